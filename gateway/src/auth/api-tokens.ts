import crypto from 'node:crypto';
import type { Db } from '../store/database';

const prefix = 'qbb_';

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * Tokens are 32 random bytes, so a plain SHA-256 is enough to store them: unlike passwords they cannot be
 * guessed from a dictionary. Only the hash is kept; the token itself is shown once, at creation.
 */
function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function createApiToken(db: Db, name: string): { token: string; info: ApiTokenInfo } {
  const trimmed = name.trim();
  if (!trimmed) throw new Error('A token needs a name (--name), e.g. --name "nightly cron"');
  const existing = db.prepare('SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL').get(trimmed);
  if (existing) throw new Error(`A token named "${trimmed}" already exists; pick another name`);
  const token = prefix + crypto.randomBytes(32).toString('base64url');
  const id = crypto.randomUUID();
  const createdAt = new Date().toISOString();
  // A revoked token's name may be reused: free the old row's name first.
  db.prepare(
    `UPDATE api_tokens SET name = name || ' (revoked ' || id || ')' WHERE name = ? AND revoked_at IS NOT NULL`,
  ).run(trimmed);
  db.prepare('INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)').run(
    id,
    trimmed,
    hashToken(token),
    createdAt,
  );
  return { token, info: { id, name: trimmed, createdAt, lastUsedAt: null, revokedAt: null } };
}

/** Returns the token's record when it is valid and not revoked; records its use. */
export function verifyApiToken(db: Db, token: string): ApiTokenInfo | undefined {
  if (!token.startsWith(prefix)) return undefined;
  const row = db
    .prepare(
      `SELECT id, name, created_at AS createdAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt
       FROM api_tokens WHERE token_hash = ?`,
    )
    .get(hashToken(token)) as ApiTokenInfo | undefined;
  if (!row || row.revokedAt) return undefined;
  db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
  return row;
}

export function listApiTokens(db: Db): ApiTokenInfo[] {
  return db
    .prepare(
      `SELECT id, name, created_at AS createdAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt
       FROM api_tokens ORDER BY created_at`,
    )
    .all() as ApiTokenInfo[];
}

export function revokeApiToken(db: Db, name: string): boolean {
  const result = db
    .prepare('UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL')
    .run(new Date().toISOString(), name.trim());
  return result.changes > 0;
}
