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

export function createTokenVault(ctx: AppContext, options: TokenVaultOptions = {}): TokenVault {
  const now = options.now ?? Date.now;
  const marginMs = options.refreshMarginMs ?? defaultRefreshMarginMs;
  const leaseMs = options.leaseMs ?? 45_000;
  const pollMs = options.pollIntervalMs ?? 50;
  const owner = `${process.pid}:${crypto.randomUUID()}`;
  let inFlight = inFlightByDb.get(ctx.db);
  if (!inFlight) {
    inFlight = new Map();
    inFlightByDb.set(ctx.db, inFlight);
  }
  const pending = inFlight;
  const settings = () => options.oauth ?? oauthSettings(ctx.config, 'tokens');

  function usableRow(realmId: string): TokenRow & { access_token_enc: string; refresh_token_enc: string } {
    const row = readTokenRow(ctx.db, realmId);
    if (!row) throw new ReconnectRequiredError(realmId, 'it has never been connected');
    if (row.status === 'disconnected' || !row.access_token_enc || !row.refresh_token_enc) {
      throw new ReconnectRequiredError(realmId, row.status_reason ?? 'it was disconnected');
    }
    if (row.status === 'reconnect_needed') {
      throw new ReconnectRequiredError(realmId, row.status_reason ?? 'its grant is no longer valid');
    }
    return row as TokenRow & { access_token_enc: string; refresh_token_enc: string };
  }

  function singleFlight(realmId: string, work: () => Promise<string>): Promise<string> {
    const running = pending.get(realmId);
    if (running) return running;
    const started = work().finally(() => pending.delete(realmId));
    pending.set(realmId, started);
    return started;
  }

  /** Persists "reconnect needed" unless the row moved on meanwhile (then the caller re-reads it). */
  function markDead(row: TokenRow, reason: string, nowMs: number): boolean {
    if (!markReconnectNeeded(ctx.db, row.realm_id, row.version, reason, nowMs)) return false;
    ctx.audit.record({
      actor: 'token-vault',
      action: 'qbo.refresh',
      target: row.realm_id,
      outcome: 'failure',
      details: { reason, reconnectNeeded: true },
    });
    ctx.log.warn({ realmId: row.realm_id, reason }, 'QuickBooks connection needs reconnecting');
    return true;
  }

  /**
   * Holds the lease for `row.version`: asks Intuit once, then stores the rotated pair with a
   * compare-and-swap before anyone sees the new access token. Returns undefined when another writer
   * changed the row meanwhile (the caller re-reads and uses theirs).
   */
  async function refreshHoldingLease(
    row: TokenRow & { refresh_token_enc: string; access_token_enc: string },
    oauth: OAuthSettings,
    tokenWasRejected: boolean,
  ): Promise<string | undefined> {
    const realmId = row.realm_id;
    let grant: TokenGrant;
    try {
      grant = await refreshGrant(oauth, ctx.secrets.decrypt(row.refresh_token_enc));
    } catch (error) {
      const failure =
        error instanceof OAuthCallError ? error : new OAuthCallError('unknown', (error as Error).message);
      if (failure.invalidGrant) {
        const reason = 'Intuit rejected the refresh token (invalid_grant)';
        if (markDead(row, reason, now())) throw new ReconnectRequiredError(realmId, reason);
        return undefined;
      }
      releaseRefreshLease(ctx.db, realmId, owner);
      ctx.audit.record({
        actor: 'token-vault',
        action: 'qbo.refresh',
        target: realmId,
        outcome: 'failure',
        details: { code: failure.code, status: failure.status, intuitTid: failure.intuitTid },
      });
      ctx.log.warn(
        { realmId, code: failure.code, status: failure.status, intuitTid: failure.intuitTid },
        'QuickBooks token refresh failed',
      );
      if (!tokenWasRejected && row.access_expires_at_ms - now() > minimumUsefulLifeMs) {
        // A proactive refresh failed but the current token still works: keep going, retry next call.
        return ctx.secrets.decrypt(row.access_token_enc);
      }
      throw new TokenRefreshError(
        realmId,
        `${failure.message}; qb-bridge will try again on the next request`,
      );
    }
    const storedAt = now();
    if (completeRefresh(ctx.db, realmId, row.version, sealGrant(ctx.secrets, grant, storedAt), storedAt)) {
      ctx.log.info({ realmId, version: row.version + 1 }, 'QuickBooks access token refreshed');
      return grant.accessToken;
    }
    // Our lease lapsed and another refresher stored its pair first; theirs is the one of record.
    ctx.log.warn({ realmId }, 'QuickBooks token refresh lost the race to another process; using theirs');
    return undefined;
  }

  /** Refreshes unless the row moves past `observedVersion` first (then its token is the new one). */
  async function refreshFrom(realmId: string, observedVersion: number, tokenWasRejected: boolean) {
    const oauth = settings();
    const waitUntil = performance.now() + leaseMs + 5_000;
    for (;;) {
      const row = usableRow(realmId);
      if (row.version !== observedVersion) return ctx.secrets.decrypt(row.access_token_enc);
      const nowMs = now();
      const dead = deadRefreshReason(row, nowMs);
      if (dead) {
        if (markDead(row, dead, nowMs)) throw new ReconnectRequiredError(realmId, dead);
        continue;
      }
      if (tryTakeRefreshLease(ctx.db, realmId, row.version, owner, nowMs, leaseMs)) {
        const token = await refreshHoldingLease(row, oauth, tokenWasRejected);
        if (token !== undefined) return token;
        continue;
      }
      // Someone else is refreshing. A token that still has a while to live serves this call at once;
      // only an expired or rejected one makes us wait for theirs.
      if (!tokenWasRejected && row.access_expires_at_ms - nowMs > minimumUsefulLifeMs) {
        return ctx.secrets.decrypt(row.access_token_enc);
      }
      if (performance.now() > waitUntil) {
        throw new TokenRefreshError(
          realmId,
          `Another qb-bridge process has been refreshing the QuickBooks token for company ${realmId} for ` +
            `over ${Math.round(leaseMs / 1000)} s; try again shortly`,
        );
      }
      await sleep(pollMs);
    }
  }

  const vault: TokenVault = {
    async accessToken(realmId) {
      const running = pending.get(realmId);
      if (running) return running;
      const row = usableRow(realmId);
      if (row.access_expires_at_ms - marginMs > now()) return ctx.secrets.decrypt(row.access_token_enc);
      return singleFlight(realmId, () => refreshFrom(realmId, row.version, false));
    },

    async refreshAfterRejection(realmId, rejected) {
      const running = pending.get(realmId);
      if (running) {
        // Join a refresh already under way; only if it handed back the rejected token refresh again.
        const joined = await running;
        if (joined !== rejected) return joined;
      }
      const row = usableRow(realmId);
      const current = ctx.secrets.decrypt(row.access_token_enc);
      if (current !== rejected) return current;
      return singleFlight(realmId, () => refreshFrom(realmId, row.version, true));
    },

    connections() {
      const nowMs = now();
      return listTokenRows(ctx.db).map((row) => describeConnection(row, nowMs));
    },

    connection(realmId) {
      const row = readTokenRow(ctx.db, realmId);
      return row ? describeConnection(row, now()) : undefined;
    },

    defaultRealm() {
      if (ctx.config.QBO_REALM_ID) return ctx.config.QBO_REALM_ID;
      const rows = listTokenRows(ctx.db).filter((r) => r.status !== 'disconnected');
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
    },

    saveFromCodeExchange(realmId, grant, meta) {
      const nowMs = now();
      saveConnection(
        ctx.db,
        realmId,
        sealGrant(ctx.secrets, grant, nowMs),
        { companyName: meta.companyName ?? null, environment: ctx.config.QBO_ENVIRONMENT },
        nowMs,
      );
      ctx.audit.record({
        actor: meta.actor,
        action: 'qbo.connect',
        target: realmId,
        outcome: 'success',
        details: { companyName: meta.companyName ?? null, hardExpiry: grant.hardExpiresInSec !== null },
      });
      ctx.log.info({ realmId, companyName: meta.companyName }, 'QuickBooks company connected');
    },

    setCompanyName(realmId, companyName) {
      setCompanyName(ctx.db, realmId, companyName, now());
    },

    async disconnect(realmId, actor) {
      const row = readTokenRow(ctx.db, realmId);
      if (!row || row.status === 'disconnected' || !row.refresh_token_enc) {
        throw new ConfigError(
          `QuickBooks company ${realmId} is not connected, so there is nothing to disconnect`,
          'QBO_REALM_ID',
        );
      }
      let revokeError: string | undefined;
      try {
        await revokeToken(settings(), ctx.secrets.decrypt(row.refresh_token_enc));
      } catch (error) {
        revokeError = (error as Error).message;
      }
      forgetTokens(ctx.db, realmId, `disconnected by ${actor}`, now());
      const revoked = revokeError === undefined;
      ctx.audit.record({
        actor,
        action: 'qbo.disconnect',
        target: realmId,
        outcome: 'success',
        details: revoked ? { revoked } : { revoked, revokeError },
      });
      ctx.log.info({ realmId, revoked }, 'QuickBooks company disconnected');
      return revoked ? { realmId, revoked } : { realmId, revoked, revokeError };
    },
  };
  return vault;
}
