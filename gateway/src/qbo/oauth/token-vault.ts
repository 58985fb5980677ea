import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppContext } from '../../app/context';
import { ConfigError } from '../../config/load';
import type { Db } from '../../store/database';
import type { SecretBox } from '../../store/secrets';
import { type ConnectionStatus, describeConnection } from './connection-health';
import {
  OAuthCallError,
  type OAuthSettings,
  oauthSettings,
  refreshGrant,
  revokeToken,
  type TokenGrant,
} from './oauth';
import { ReconnectRequiredError, type TokenSource } from './token-source';
import {
  completeRefresh,
  forgetTokens,
  listTokenRows,
  markReconnectNeeded,
  readTokenRow,
  releaseRefreshLease,
  type SealedGrant,
  saveConnection,
  setCompanyName,
  type TokenRow,
  tryTakeRefreshLease,
} from './token-store';

export type { ConnectionStatus } from './connection-health';

export interface TokenVaultOptions {
  /** Refresh this long before the access token expires (default 5 minutes). */
  refreshMarginMs?: number;
  now?: () => number;
  /** How long a refresher may hold the cross-process lease before others may take over (default 45 s). */
  leaseMs?: number;
  /** How often a caller waiting on another process's refresh re-reads the row (default 50 ms). */
  pollIntervalMs?: number;
  /** Client settings; default from the context's config (read only when a refresh or revoke happens). */
  oauth?: OAuthSettings;
}

export interface DisconnectResult {
  realmId: string;
  revoked: boolean;
  revokeError?: string;
}

export interface TokenVault extends TokenSource {
  connections(): ConnectionStatus[];
  connection(realmId: string): ConnectionStatus | undefined;
  /** QBO_REALM_ID, else the only connected company; otherwise an error saying what to do. */
  defaultRealm(): string;
  saveFromCodeExchange(
    realmId: string,
    grant: TokenGrant,
    meta: { companyName?: string; actor: string },
  ): void;
  setCompanyName(realmId: string, companyName: string): void;
  /** Revokes at Intuit, then forgets the tokens locally even when the revoke fails. */
  disconnect(realmId: string, actor: string): Promise<DisconnectResult>;
}

/** Refreshing failed for a reason that may pass (network, Intuit down); the grant itself is still good. */
export class TokenRefreshError extends Error {
  constructor(
    readonly realmId: string,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRefreshError';
  }
}

export const defaultRefreshMarginMs = 5 * 60 * 1000;
/** Still-valid tokens are handed out after a failed proactive refresh only with this much life left. */
const minimumUsefulLifeMs = 30_000;

export function hashRefreshToken(refreshToken: string): string {
  return crypto.createHash('sha256').update(refreshToken).digest('hex');
}

/** Encrypts a grant and turns Intuit's relative lifetimes into absolute times from `nowMs`. */
export function sealGrant(secrets: SecretBox, grant: TokenGrant, nowMs: number): SealedGrant {
  return {
    accessTokenEnc: secrets.encrypt(grant.accessToken),
    refreshTokenEnc: secrets.encrypt(grant.refreshToken),
    refreshTokenHash: hashRefreshToken(grant.refreshToken),
    createdAtMs: nowMs,
    accessExpiresAtMs: nowMs + grant.expiresInSec * 1000,
    refreshExpiresAtMs: nowMs + grant.refreshExpiresInSec * 1000,
    refreshHardExpiresAtMs: grant.hardExpiresInSec === null ? null : nowMs + grant.hardExpiresInSec * 1000,
  };
}

/** Why a stored refresh token can no longer work, judged locally so we do not ask Intuit in vain. */
export function deadRefreshReason(row: TokenRow, nowMs: number): string | undefined {
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (row.refresh_hard_expires_at_ms !== null && row.refresh_hard_expires_at_ms <= nowMs) {
    return `the refresh token reached its hard expiry on ${date(row.refresh_hard_expires_at_ms)}`;
  }
  if (row.refresh_expires_at_ms <= nowMs) {
    return `the refresh token expired unused on ${date(row.refresh_expires_at_ms)}`;
  }
  return undefined;
}

/**
 * Refreshes already in flight, per database connection: every vault built on the same context shares
 * them, so callers in one process join one refresh instead of queueing on the lease.
 */
const inFlightByDb = new WeakMap<Db, Map<string, Promise<string>>>();

/**
 * The vault in named steps. The invariant every step keeps: an access token is handed out only from the
 * row of record (or straight from a refresh whose rotated pair is already stored), never one a caller
 * reported rejected, and a row is marked "reconnect needed" only for a reason that needs a person.
 *
 *   usableRow           the row, or ReconnectRequiredError when no token can come from it
 *   singleFlight        one refresh per realm per process; later callers join it
 *   markDead            persist "reconnect needed" (compare-and-swap on the row's version)
 *   refreshHoldingLease one call to Intuit under the cross-process lease, then store before use
 *   refreshFrom         take the lease or wait for the process holding it
 */
interface Vault {
  ctx: AppContext;
  now: () => number;
  marginMs: number;
  leaseMs: number;
  pollMs: number;
  owner: string;
  pending: Map<string, Promise<string>>;
  settings: () => OAuthSettings;
}

type LiveRow = TokenRow & { access_token_enc: string; refresh_token_enc: string };

function openVault(ctx: AppContext, options: TokenVaultOptions): Vault {
  let pending = inFlightByDb.get(ctx.db);
  if (!pending) {
    pending = new Map();
    inFlightByDb.set(ctx.db, pending);
  }
  return {
    ctx,
    now: options.now ?? Date.now,
    marginMs: options.refreshMarginMs ?? defaultRefreshMarginMs,
    leaseMs: options.leaseMs ?? 45_000,
    pollMs: options.pollIntervalMs ?? 50,
    owner: `${process.pid}:${crypto.randomUUID()}`,
    pending,
    settings: () => options.oauth ?? oauthSettings(ctx.config, 'tokens'),
  };
}

function usableRow(v: Vault, realmId: string): LiveRow {
  const row = readTokenRow(v.ctx.db, realmId);
  if (!row) throw new ReconnectRequiredError(realmId, 'it has never been connected');
  if (row.status === 'disconnected' || !row.access_token_enc || !row.refresh_token_enc) {
    throw new ReconnectRequiredError(realmId, row.status_reason ?? 'it was disconnected');
  }
  if (row.status === 'reconnect_needed') {
    throw new ReconnectRequiredError(realmId, row.status_reason ?? 'its grant is no longer valid');
  }
  return row as LiveRow;
}

function singleFlight(v: Vault, realmId: string, work: () => Promise<string>): Promise<string> {
  const running = v.pending.get(realmId);
  if (running) return running;
  const started = work().finally(() => v.pending.delete(realmId));
  v.pending.set(realmId, started);
  return started;
}

/** Persists "reconnect needed" unless the row moved on meanwhile (then the caller re-reads it). */
function markDead(v: Vault, row: TokenRow, reason: string, nowMs: number): boolean {
  if (!markReconnectNeeded(v.ctx.db, row.realm_id, row.version, reason, nowMs)) return false;
  v.ctx.audit.record({
    actor: 'token-vault',
    action: 'qbo.refresh',
    target: row.realm_id,
    outcome: 'failure',
    details: { reason, reconnectNeeded: true },
  });
  v.ctx.log.warn({ realmId: row.realm_id, reason }, 'QuickBooks connection needs reconnecting');
  return true;
}

/**
 * A refresh failed for a reason that may pass (network, Intuit 5xx): release the lease, record it, and
 * either keep using a token that still works (only when nobody saw it rejected) or say we will retry.
 */
function passingRefreshFailure(
  v: Vault,
  row: LiveRow,
  failure: OAuthCallError,
  tokenWasRejected: boolean,
): string {
  const realmId = row.realm_id;
  releaseRefreshLease(v.ctx.db, realmId, v.owner);
  const safe = { code: failure.code, status: failure.status, intuitTid: failure.intuitTid };
  v.ctx.audit.record({
    actor: 'token-vault',
    action: 'qbo.refresh',
    target: realmId,
    outcome: 'failure',
    details: safe,
  });
  v.ctx.log.warn({ realmId, ...safe }, 'QuickBooks token refresh failed');
  if (!tokenWasRejected && row.access_expires_at_ms - v.now() > minimumUsefulLifeMs) {
    // A proactive refresh failed but the current token still works: keep going, retry next call.
    return v.ctx.secrets.decrypt(row.access_token_enc);
  }
  throw new TokenRefreshError(realmId, `${failure.message}; qb-bridge will try again on the next request`);
}

/**
 * Holds the lease for `row.version`: asks Intuit once, then stores the rotated pair with a
 * compare-and-swap before anyone sees the new access token. Returns undefined when another writer
 * changed the row meanwhile (the caller re-reads and uses theirs).
 */
async function refreshHoldingLease(
  v: Vault,
  row: LiveRow,
  oauth: OAuthSettings,
  tokenWasRejected: boolean,
): Promise<string | undefined> {
  const realmId = row.realm_id;
  let grant: TokenGrant;
  try {
    grant = await refreshGrant(oauth, v.ctx.secrets.decrypt(row.refresh_token_enc));
  } catch (error) {
    const failure =
      error instanceof OAuthCallError ? error : new OAuthCallError('unknown', (error as Error).message);
    if (!failure.invalidGrant) return passingRefreshFailure(v, row, failure, tokenWasRejected);
    const reason = 'Intuit rejected the refresh token (invalid_grant)';
    if (markDead(v, row, reason, v.now())) throw new ReconnectRequiredError(realmId, reason);
    return undefined;
  }
  const storedAt = v.now();
  if (completeRefresh(v.ctx.db, realmId, row.version, sealGrant(v.ctx.secrets, grant, storedAt), storedAt)) {
    v.ctx.log.info({ realmId, version: row.version + 1 }, 'QuickBooks access token refreshed');
    return grant.accessToken;
  }
  // Our lease lapsed and another refresher stored its pair first; theirs is the one of record.
  v.ctx.log.warn({ realmId }, 'QuickBooks token refresh lost the race to another process; using theirs');
  return undefined;
}

/** Refreshes unless the row moves past `observedVersion` first (then its token is the new one). */
async function refreshFrom(
  v: Vault,
  realmId: string,
  observedVersion: number,
  tokenWasRejected: boolean,
): Promise<string> {
  const oauth = v.settings();
  const waitUntil = performance.now() + v.leaseMs + 5_000;
  for (;;) {
    const row = usableRow(v, realmId);
    if (row.version !== observedVersion) return v.ctx.secrets.decrypt(row.access_token_enc);
    const nowMs = v.now();
    const dead = deadRefreshReason(row, nowMs);
    if (dead) {
      if (markDead(v, row, dead, nowMs)) throw new ReconnectRequiredError(realmId, dead);
      continue;
    }
    if (tryTakeRefreshLease(v.ctx.db, realmId, row.version, v.owner, nowMs, v.leaseMs)) {
      const token = await refreshHoldingLease(v, row, oauth, tokenWasRejected);
      if (token !== undefined) return token;
      continue;
    }
    // Someone else is refreshing. A token that still has a while to live serves this call at once;
    // only an expired or rejected one makes us wait for theirs.
    if (!tokenWasRejected && row.access_expires_at_ms - nowMs > minimumUsefulLifeMs) {
      return v.ctx.secrets.decrypt(row.access_token_enc);
    }
    if (performance.now() > waitUntil) {
      throw new TokenRefreshError(
        realmId,
        `Another qb-bridge process has been refreshing the QuickBooks token for company ${realmId} for ` +
          `over ${Math.round(v.leaseMs / 1000)} s; try again shortly`,
      );
    }
    await sleep(v.pollMs);
  }
}

async function accessToken(v: Vault, realmId: string): Promise<string> {
  const running = v.pending.get(realmId);
  if (running) return running;
  const row = usableRow(v, realmId);
  if (row.access_expires_at_ms - v.marginMs > v.now()) return v.ctx.secrets.decrypt(row.access_token_enc);
  return singleFlight(v, realmId, () => refreshFrom(v, realmId, row.version, false));
}

async function refreshAfterRejection(v: Vault, realmId: string, rejected: string): Promise<string> {
  const running = v.pending.get(realmId);
  if (running) {
    // Join a refresh already under way; only if it handed back the rejected token refresh again.
    const joined = await running;
    if (joined !== rejected) return joined;
  }
  const row = usableRow(v, realmId);
  const current = v.ctx.secrets.decrypt(row.access_token_enc);
  if (current !== rejected) return current;
  return singleFlight(v, realmId, () => refreshFrom(v, realmId, row.version, true));
}

/** QBO_REALM_ID, else the only connected company; otherwise an error saying what to do. */
function defaultRealm(v: Vault): string {
  if (v.ctx.config.QBO_REALM_ID) return v.ctx.config.QBO_REALM_ID;
  const rows = listTokenRows(v.ctx.db).filter((r) => r.status !== 'disconnected');
  const connected = rows.filter((r) => r.status === 'connected');
  if (connected.length === 1) return connected[0]!.realm_id;
  if (connected.length > 1) {
    throw new ConfigError(
      `Several QuickBooks companies are connected (${connected.map((r) => r.realm_id).join(', ')}); ` +
        'set QBO_REALM_ID to the one qb-bridge should use',
      'QBO_REALM_ID',
    );
  }
  if (rows.length === 1) {
    throw new ReconnectRequiredError(
      rows[0]!.realm_id,
      rows[0]!.status_reason ?? 'its grant is no longer valid',
    );
  }
  throw new ConfigError(
    'No QuickBooks company is connected; run `qb-bridge authorize-qbo` or open /qbo/connect in the gateway',
    'QBO_REALM_ID',
  );
}

function saveFromCodeExchange(
  v: Vault,
  realmId: string,
  grant: TokenGrant,
  meta: { companyName?: string; actor: string },
): void {
  const nowMs = v.now();
  saveConnection(
    v.ctx.db,
    realmId,
    sealGrant(v.ctx.secrets, grant, nowMs),
    { companyName: meta.companyName ?? null, environment: v.ctx.config.QBO_ENVIRONMENT },
    nowMs,
  );
  v.ctx.audit.record({
    actor: meta.actor,
    action: 'qbo.connect',
    target: realmId,
    outcome: 'success',
    details: { companyName: meta.companyName ?? null, hardExpiry: grant.hardExpiresInSec !== null },
  });
  v.ctx.log.info({ realmId, companyName: meta.companyName }, 'QuickBooks company connected');
}

/** Revokes at Intuit, then forgets the tokens locally even when the revoke fails. */
async function disconnect(v: Vault, realmId: string, actor: string): Promise<DisconnectResult> {
  const row = readTokenRow(v.ctx.db, realmId);
  if (!row || row.status === 'disconnected' || !row.refresh_token_enc) {
    throw new ConfigError(
      `QuickBooks company ${realmId} is not connected, so there is nothing to disconnect`,
      'QBO_REALM_ID',
    );
  }
  let revokeError: string | undefined;
  try {
    await revokeToken(v.settings(), v.ctx.secrets.decrypt(row.refresh_token_enc));
  } catch (error) {
    revokeError = (error as Error).message;
  }
  forgetTokens(v.ctx.db, realmId, `disconnected by ${actor}`, v.now());
  const revoked = revokeError === undefined;
  v.ctx.audit.record({
    actor,
    action: 'qbo.disconnect',
    target: realmId,
    outcome: 'success',
    details: revoked ? { revoked } : { revoked, revokeError },
  });
  v.ctx.log.info({ realmId, revoked }, 'QuickBooks company disconnected');
  return revoked ? { realmId, revoked } : { realmId, revoked, revokeError };
}

export function createTokenVault(ctx: AppContext, options: TokenVaultOptions = {}): TokenVault {
  const v = openVault(ctx, options);
  return {
    accessToken: (realmId) => accessToken(v, realmId),
    refreshAfterRejection: (realmId, rejected) => refreshAfterRejection(v, realmId, rejected),
    connections() {
      const nowMs = v.now();
      return listTokenRows(ctx.db).map((row) => describeConnection(row, nowMs));
    },
    connection(realmId) {
      const row = readTokenRow(ctx.db, realmId);
      return row ? describeConnection(row, v.now()) : undefined;
    },
    defaultRealm: () => defaultRealm(v),
    saveFromCodeExchange: (realmId, grant, meta) => saveFromCodeExchange(v, realmId, grant, meta),
    setCompanyName: (realmId, companyName) => setCompanyName(ctx.db, realmId, companyName, v.now()),
    disconnect: (realmId, actor) => disconnect(v, realmId, actor),
  };
}
