import type { Migration } from '../store/migrations';

export const authMigrations: Migration[] = [
  {
    owner: 'auth',
    version: 1,
    name: 'api tokens',
    up: `
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      );
    `,
  },
];
