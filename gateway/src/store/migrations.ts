import type Database from 'better-sqlite3';

/**
 * A numbered schema change owned by one folder. Ids are `<owner>:<NNN>` (e.g. `qbo:001`), so folders can
 * add migrations without coordinating numbers; within an owner they apply in version order.
 */
export interface Migration {
  owner: string;
  version: number;
  name: string;
  up: string | ((db: Database.Database) => void);
}

export function migrationId(m: Migration): string {
  return `${m.owner}:${String(m.version).padStart(3, '0')}`;
}

const bookkeeping = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
);`;

export class NewerStoreError extends Error {
  constructor(readonly unknownMigrations: string[]) {
    super(
      `The store was migrated by a newer qb-bridge (${unknownMigrations.join(', ')} unknown to this version); ` +
        'run the newer version, or restore a backup taken before it',
    );
    this.name = 'NewerStoreError';
  }
}

/** Applies every migration not yet recorded, each in its own transaction; returns the ids applied. */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[]): string[] {
  db.exec(bookkeeping);
  const seen = new Set<string>();
  for (const m of migrations) {
    const id = migrationId(m);
    if (seen.has(id)) throw new Error(`Migration ${id} is registered twice`);
    seen.add(id);
  }
  const applied = new Set(
    db
      .prepare('SELECT id FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => String(v)),
  );
  // A store written by a newer qb-bridge (a rollback, a backup restored under old code) has tables this code
  // does not know how to keep consistent: refuse it rather than run half-compatible.
  const unknown = [...applied].filter((id) => !seen.has(id));
  if (unknown.length > 0) {
    throw new NewerStoreError(unknown);
  }
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  const done: string[] = [];
  const ordered = [...migrations].sort((a, b) =>
    a.owner === b.owner ? a.version - b.version : migrations.indexOf(a) - migrations.indexOf(b),
  );
  for (const m of ordered) {
    const id = migrationId(m);
    if (applied.has(id)) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(id, m.name, new Date().toISOString());
    })();
    done.push(id);
  }
  return done;
}

/** The number of migrations applied so far: the store's schema version. */
export function schemaVersion(db: Database.Database): number {
  db.exec(bookkeeping);
  return Number(db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get());
}
