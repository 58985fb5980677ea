import type { Migration } from '../../store/migrations';

/**
 * Add-on request verification tables (owner `auth.addon`): HMAC keys from `qb-bridge addon-key` (the
 * secret sealed with the store's key, since HMAC needs it back), and the nonces seen inside the timestamp
 * window so a captured request cannot be replayed.
 */
export const addonAuthMigrations: Migration[] = [
  {
    owner: 'auth.addon',
    version: 1,
    name: 'add-on HMAC keys and nonces',
    up: `
      CREATE TABLE addon_keys (
        id TEXT PRIMARY KEY,
        secret_sealed TEXT NOT NULL,
        spreadsheet_id TEXT,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      );
      CREATE TABLE addon_nonces (
        key_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (key_id, nonce)
      );
      CREATE INDEX addon_nonces_expiry ON addon_nonces (expires_at);
    `,
  },
];
