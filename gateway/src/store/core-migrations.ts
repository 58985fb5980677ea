import type { Migration } from './migrations';

/** Tables every folder relies on: key/value metadata (key check, stable ids) and the audit trail. */
export const coreMigrations: Migration[] = [
  {
    owner: 'core',
    version: 1,
    name: 'meta and audit',
    up: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        details TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_action_at ON audit_log (action, at);
    `,
  },
];
