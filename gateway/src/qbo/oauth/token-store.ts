import type { Db } from '../../store/database';
import type { Migration } from '../../store/migrations';

export type ConnectionState = 'connected' | 'reconnect_needed' | 'disconnected';

/**
 * One QuickBooks company's tokens. Token columns hold SecretBox ciphertext; `refresh_token_hash` lets a
 * process tell which refresh token a row holds without decrypting it. `version` is the compare-and-swap
 * counter every change bumps; `refreshing_until_ms`/`refreshing_owner` is the short lease a refresher holds.
 */
export const qboTokenMigrations: Migration[] = [
  {
    owner: 'qbo.tokens',
    version: 1,
    name: 'QuickBooks tokens per realm and OAuth states',
    up: `
      CREATE TABLE qbo_tokens (
        realm_id TEXT PRIMARY KEY,
        company_name TEXT,
        environment TEXT NOT NULL,
        access_token_enc TEXT,
        refresh_token_enc TEXT,
        refresh_token_hash TEXT,
        created_at_ms INTEGER NOT NULL,
        access_expires_at_ms INTEGER NOT NULL,
        refresh_expires_at_ms INTEGER NOT NULL,
        refresh_hard_expires_at_ms INTEGER,
        status TEXT NOT NULL CHECK (status IN ('connected', 'reconnect_needed', 'disconnected')),
        status_reason TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        refreshing_until_ms INTEGER,
        refreshing_owner TEXT,
        connected_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE qbo_oauth_states (
        state TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        initiator TEXT NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX qbo_oauth_states_expires ON qbo_oauth_states (expires_at);
    `,
  },
];

export interface TokenRow {
  realm_id: string;
  company_name: string | null;
  environment: string;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  refresh_token_hash: string | null;
  created_at_ms: number;
  access_expires_at_ms: number;
  refresh_expires_at_ms: number;
  refresh_hard_expires_at_ms: number | null;
  status: ConnectionState;
  status_reason: string | null;
  version: number;
  refreshing_until_ms: number | null;
  refreshing_owner: string | null;
  connected_at: string;
  updated_at: string;
}

/** A token pair as it will be stored: ciphertexts, the refresh hash and absolute expiry times. */
export interface SealedGrant {
  accessTokenEnc: string;
  refreshTokenEnc: string;
  refreshTokenHash: string;
  createdAtMs: number;
  accessExpiresAtMs: number;
  refreshExpiresAtMs: number;
  refreshHardExpiresAtMs: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function readTokenRow(db: Db, realmId: string): TokenRow | undefined {
  return db.prepare('SELECT * FROM qbo_tokens WHERE realm_id = ?').get(realmId) as TokenRow | undefined;
}

export function listTokenRows(db: Db): TokenRow[] {
  return db.prepare('SELECT * FROM qbo_tokens ORDER BY connected_at, realm_id').all() as TokenRow[];
}

/** The named SQL parameters a sealed grant fills, shared by the first save and every refresh. */
function grantParams(grant: SealedGrant, nowMs: number) {
  return {
    access: grant.accessTokenEnc,
    refresh: grant.refreshTokenEnc,
    hash: grant.refreshTokenHash,
    created: grant.createdAtMs,
    accessExp: grant.accessExpiresAtMs,
    refreshExp: grant.refreshExpiresAtMs,
    hardExp: grant.refreshHardExpiresAtMs,
    now: iso(nowMs),
  };
}

/** A fresh connection (first connect or reconnect) replaces whatever the realm held, lease included. */
export function saveConnection(
  db: Db,
  realmId: string,
  grant: SealedGrant,
  meta: { companyName: string | null; environment: string },
  nowMs: number,
): void {
  db.prepare(
    `INSERT INTO qbo_tokens (realm_id, company_name, environment, access_token_enc, refresh_token_enc,
       refresh_token_hash, created_at_ms, access_expires_at_ms, refresh_expires_at_ms,
       refresh_hard_expires_at_ms, status, status_reason, version, refreshing_until_ms, refreshing_owner,
       connected_at, updated_at)
     VALUES (@realm, @company, @env, @access, @refresh, @hash, @created, @accessExp, @refreshExp, @hardExp,
       'connected', NULL, 1, NULL, NULL, @now, @now)
     ON CONFLICT(realm_id) DO UPDATE SET
       company_name = COALESCE(excluded.company_name, qbo_tokens.company_name),
       environment = excluded.environment,
       access_token_enc = excluded.access_token_enc,
       refresh_token_enc = excluded.refresh_token_enc,
       refresh_token_hash = excluded.refresh_token_hash,
       created_at_ms = excluded.created_at_ms,
       access_expires_at_ms = excluded.access_expires_at_ms,
       refresh_expires_at_ms = excluded.refresh_expires_at_ms,
       refresh_hard_expires_at_ms = excluded.refresh_hard_expires_at_ms,
       status = 'connected', status_reason = NULL,
       version = qbo_tokens.version + 1,
       refreshing_until_ms = NULL, refreshing_owner = NULL,
       connected_at = excluded.connected_at, updated_at = excluded.updated_at`,
  ).run({ ...grantParams(grant, nowMs), realm: realmId, company: meta.companyName, env: meta.environment });
}

export function setCompanyName(db: Db, realmId: string, companyName: string, nowMs: number): void {
  db.prepare('UPDATE qbo_tokens SET company_name = ?, updated_at = ? WHERE realm_id = ?').run(
    companyName,
    iso(nowMs),
    realmId,
  );
}

/**
 * Takes the refresh lease when the row is still at `version` and nobody holds an unexpired lease. Exactly
 * one caller across every process and connection can win, because SQLite serialises writers.
 */
export function tryTakeRefreshLease(
  db: Db,
  realmId: string,
  version: number,
  owner: string,
  nowMs: number,
  leaseMs: number,
): boolean {
  const result = db
    .prepare(
      `UPDATE qbo_tokens SET refreshing_until_ms = ?, refreshing_owner = ?
       WHERE realm_id = ? AND version = ? AND status = 'connected'
         AND (refreshing_until_ms IS NULL OR refreshing_until_ms < ?)`,
    )
    .run(nowMs + leaseMs, owner, realmId, version, nowMs);
  return result.changes === 1;
}

/**
 * Stores the rotated pair only if nobody changed the row since the lease was taken (compare-and-swap on
 * `version`); clears the lease. Returns false when another refresher got there first.
 */
export function completeRefresh(
  db: Db,
  realmId: string,
  leasedVersion: number,
  grant: SealedGrant,
  nowMs: number,
): boolean {
  const result = db
    .prepare(
      `UPDATE qbo_tokens SET access_token_enc = @access, refresh_token_enc = @refresh,
         refresh_token_hash = @hash, created_at_ms = @created, access_expires_at_ms = @accessExp,
         refresh_expires_at_ms = @refreshExp,
         refresh_hard_expires_at_ms = COALESCE(@hardExp, refresh_hard_expires_at_ms),
         version = version + 1, refreshing_until_ms = NULL, refreshing_owner = NULL, updated_at = @now
       WHERE realm_id = @realm AND version = @version AND status = 'connected'`,
    )
    .run({ ...grantParams(grant, nowMs), realm: realmId, version: leasedVersion });
  return result.changes === 1;
}

/** Gives the lease back after a failed attempt so the next caller may try at once. */
export function releaseRefreshLease(db: Db, realmId: string, owner: string): void {
  db.prepare(
    `UPDATE qbo_tokens SET refreshing_until_ms = NULL, refreshing_owner = NULL
     WHERE realm_id = ? AND refreshing_owner = ?`,
  ).run(realmId, owner);
}

/**
 * Marks the grant as dead (Intuit said invalid_grant, or the hard expiry passed) unless the row moved on
 * meanwhile; a stale failure must not override a refresh or reconnect that already succeeded.
 */
export function markReconnectNeeded(
  db: Db,
  realmId: string,
  expectedVersion: number,
  reason: string,
  nowMs: number,
): boolean {
  const result = db
    .prepare(
      `UPDATE qbo_tokens SET status = 'reconnect_needed', status_reason = ?, version = version + 1,
         refreshing_until_ms = NULL, refreshing_owner = NULL, updated_at = ?
       WHERE realm_id = ? AND version = ? AND status = 'connected'`,
    )
    .run(reason, iso(nowMs), realmId, expectedVersion);
  return result.changes === 1;
}

/** Forgets the tokens (the row stays, as 'disconnected', so status pages can say what happened). */
export function forgetTokens(db: Db, realmId: string, reason: string, nowMs: number): boolean {
  const result = db
    .prepare(
      `UPDATE qbo_tokens SET access_token_enc = NULL, refresh_token_enc = NULL, refresh_token_hash = NULL,
         status = 'disconnected', status_reason = ?, version = version + 1,
         refreshing_until_ms = NULL, refreshing_owner = NULL, updated_at = ?
       WHERE realm_id = ?`,
    )
    .run(reason, iso(nowMs), realmId);
  return result.changes === 1;
}
