import type { Migration } from '../store/migrations';

/** Dashboard users, their sessions and their login attempts (owner `auth.dashboard`, apart from API tokens). */
export const dashboardAuthMigrations: Migration[] = [
  {
    owner: 'auth.dashboard',
    version: 1,
    name: 'dashboard users, sessions and login attempts',
    up: `
      CREATE TABLE dashboard_users (
        username TEXT PRIMARY KEY COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_login_at TEXT
      );
      CREATE TABLE dashboard_sessions (
        id_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL COLLATE NOCASE,
        csrf_token TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        last_seen_at_ms INTEGER NOT NULL,
        remote_ip TEXT,
        user_agent TEXT
      );
      CREATE INDEX dashboard_sessions_user ON dashboard_sessions (username);
      CREATE TABLE dashboard_login_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL COLLATE NOCASE,
        address TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX dashboard_login_attempts_address ON dashboard_login_attempts (address, at_ms);
      CREATE INDEX dashboard_login_attempts_user ON dashboard_login_attempts (username, address, at_ms);
    `,
  },
];
