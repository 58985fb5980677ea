import type { Db } from './database';

export function getMeta(db: Db, key: string): string | undefined {
  const value = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key);
  return value === undefined ? undefined : String(value);
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}

/** Returns the stored value, or stores and returns `create()` the first time (stable ids, key checks). */
export function getOrCreateMeta(db: Db, key: string, create: () => string): string {
  return db.transaction(() => {
    const existing = getMeta(db, key);
    if (existing !== undefined) return existing;
    const value = create();
    setMeta(db, key, value);
    return value;
  })();
}
