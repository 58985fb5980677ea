import OAuthClient from 'intuit-oauth';
import type { AppContext } from '../../app/context';
import type { Config } from '../../config/load';
import { requireSettings } from '../../config/require';
import { createLogger } from '../../log/logger';
import { createQboClient } from '../http/client';
import { type QboEndpoints, qboEndpoints } from '../http/endpoints';
import { QboError } from '../http/errors';
import { ReconnectRequiredError, type TokenSource } from './token-source';

/**
 * The OAuth adapter: intuit-oauth for the three OAuth calls (authorize URL, token, revoke) and nothing
 * else. Its errors carry request objects and tokens, so they never leave this file: callers only see
 * OAuthCallError with the fields that are safe to log.
 */

export const accountingScope = 'com.intuit.quickbooks.accounting';

/** Emulator mode works without an Intuit app; these are the one place its stand-in credentials live. */
export const emulatorOAuthDefaults = {
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
  callbackPath: '/qbo/callback',
} as const;

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  endpoints: QboEndpoints;
  minorVersion: number;
  /** The configuration these settings came from (the company-name read builds an API client from it). */
  config: Config;
}

/**
 * Client settings from the config; outside emulator mode a missing one is a ConfigError (exit 4).
 * Refreshing and revoking need only the client credentials; connecting also needs the redirect URI.
 */
export function oauthSettings(config: Config, use: 'connect' | 'tokens' = 'connect'): OAuthSettings {
  const endpoints = qboEndpoints(config);
  if (config.QBO_ENVIRONMENT === 'emulator') {
    return {
      clientId: config.QBO_CLIENT_ID ?? emulatorOAuthDefaults.clientId,
      clientSecret: config.QBO_CLIENT_SECRET ?? emulatorOAuthDefaults.clientSecret,
      redirectUri:
        config.QBO_REDIRECT_URI ?? `http://127.0.0.1:${config.PORT}${emulatorOAuthDefaults.callbackPath}`,
      endpoints,
      minorVersion: config.QBO_MINOR_VERSION,
      config,
    };
  }
  requireSettings(
    config,
    ['QBO_CLIENT_ID', 'QBO_CLIENT_SECRET'],
    `to ${use === 'connect' ? 'connect' : 'use'} QuickBooks`,
  );
  if (use === 'connect') requireSettings(config, ['QBO_REDIRECT_URI'], 'to connect QuickBooks');
  return {
    clientId: config.QBO_CLIENT_ID!,
    clientSecret: config.QBO_CLIENT_SECRET!,
    redirectUri: config.QBO_REDIRECT_URI ?? '',
    endpoints,
    minorVersion: config.QBO_MINOR_VERSION,
    config,
  };
}

/** What a token response grants, with lifetimes in seconds as Intuit sends them. */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresInSec: number;
  refreshExpiresInSec: number;
  /** Only present when asked for with `x-include-refresh-token-hard-expires-in`. */
  hardExpiresInSec: number | null;
}

/** An OAuth call failed. `code` is Intuit's `error` (e.g. invalid_grant) or a network/timeout marker. */
export class OAuthCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly intuitTid?: string,
  ) {
    super(message);
    this.name = 'OAuthCallError';
  }

  /** The grant itself is gone (revoked, rotated away, hard-expired, code reused): only a person can fix it. */
  get invalidGrant(): boolean {
    return this.code === 'invalid_grant';
  }
}

function positiveSeconds(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Validates a token endpoint body; a response without both tokens and lifetimes is unusable. */
export function parseTokenResponse(json: unknown): TokenGrant {
  const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const accessToken = typeof body.access_token === 'string' ? body.access_token : '';
  const refreshToken = typeof body.refresh_token === 'string' ? body.refresh_token : '';
  const expiresInSec = positiveSeconds(body.expires_in);
  const refreshExpiresInSec = positiveSeconds(body.x_refresh_token_expires_in);
  if (!accessToken || !refreshToken || expiresInSec === undefined || refreshExpiresInSec === undefined) {
    throw new OAuthCallError(
      'bad_token_response',
      'The token endpoint answered without access_token, refresh_token, expires_in and ' +
        'x_refresh_token_expires_in; check QBO_TOKEN_URL points at the Intuit token endpoint',
    );
  }
  return {
    accessToken,
    refreshToken,
    expiresInSec,
    refreshExpiresInSec,
    hardExpiresInSec: positiveSeconds(body.x_refresh_token_hard_expires_in) ?? null,
  };
}

/** Maps intuit-oauth's wrapped error (which holds request details) to a safe OAuthCallError. */
export function toOAuthCallError(error: unknown, action: string): OAuthCallError {
  if (error instanceof OAuthCallError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const auth = (typeof e.authResponse === 'object' && e.authResponse !== null ? e.authResponse : {}) as {
    response?: { status?: unknown };
  };
  const statusValue = auth.response?.status;
  const status = typeof statusValue === 'number' ? statusValue : undefined;
  const intuitTid = typeof e.intuit_tid === 'string' && e.intuit_tid ? e.intuit_tid : undefined;
  const code = typeof e.error === 'string' && /^[a-z_]{3,40}$/.test(e.error) ? e.error : undefined;
  const description = typeof e.error_description === 'string' ? e.error_description.slice(0, 200) : '';
  if (code) {
    const detail = description && description !== code ? `: ${description}` : '';
    return new OAuthCallError(code, `QuickBooks ${action} failed (${code}${detail})`, status, intuitTid);
  }
  const original = typeof e.originalMessage === 'string' && e.originalMessage ? e.originalMessage : '';
  const message = original || (error instanceof Error ? error.message : String(error));
  return new OAuthCallError(
    status ? `http_${status}` : 'network',
    `QuickBooks ${action} failed${status ? ` (HTTP ${status})` : ''}: ${message.slice(0, 200)}`,
    status,
    intuitTid,
  );
}

/**
 * intuit-oauth keeps its URLs in statics. Each call reads them synchronously while building its request
 * (inside the Promise executor), so pointing the statics and starting the call in the same tick is safe
 * even with several calls in flight. Its own retries are switched off for good: a retried code exchange
 * burns the single-use code (reference §13 pitfall 4), and refresh retries belong to the vault.
 */
function clientFor(settings: OAuthSettings): OAuthClient {
  OAuthClient.authorizeEndpoint = settings.endpoints.authorizeUrl;
  OAuthClient.tokenEndpoint = settings.endpoints.tokenUrl;
  OAuthClient.revokeEndpoint = settings.endpoints.revokeUrl;
  OAuthClient.retryConfig.maxRetries = 0;
  return new OAuthClient({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    environment: settings.endpoints.environment === 'production' ? 'production' : 'sandbox',
    redirectUri: settings.redirectUri,
    logging: false,
    includeRefreshTokenHardExpiresIn: true,
  });
}

/** intuit-oauth has no request timeout; a hung token endpoint must not hold every caller forever. */
async function withTimeout<T>(work: Promise<T>, ms: number, action: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OAuthCallError('timeout', `QuickBooks ${action} got no answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const oauthCallTimeoutMs = 30_000;

export function buildAuthorizeUrl(settings: OAuthSettings, state: string): string {
  return clientFor(settings).authorizeUri({ scope: accountingScope, state });
}

/** Exchanges a single-use authorization code, exactly once (no retries at any layer). */
export async function exchangeCode(settings: OAuthSettings, callbackUrl: string): Promise<TokenGrant> {
  const client = clientFor(settings);
  try {
    const response = await withTimeout(client.createToken(callbackUrl), oauthCallTimeoutMs, 'code exchange');
    return parseTokenResponse(response.json);
  } catch (error) {
    throw toOAuthCallError(error, 'code exchange');
  }
}

/** One refresh_token grant with a client of its own, so no other realm's token can leak in (pitfall 1). */
export async function refreshGrant(settings: OAuthSettings, refreshToken: string): Promise<TokenGrant> {
  const client = clientFor(settings);
  try {
    const response = await withTimeout(
      client.refreshUsingToken(refreshToken),
      oauthCallTimeoutMs,
      'token refresh',
    );
    return parseTokenResponse(response.json);
  } catch (error) {
    throw toOAuthCallError(error, 'token refresh');
  }
}

/** Revoking the refresh token ends the whole grant (its access tokens too). */
export async function revokeToken(settings: OAuthSettings, refreshToken: string): Promise<void> {
  const client = clientFor(settings);
  try {
    await withTimeout(client.revoke({ refresh_token: refreshToken }), oauthCallTimeoutMs, 'revoke');
  } catch (error) {
    throw toOAuthCallError(error, 'revoke');
  }
}

/** Realm ids are the numeric company ids Intuit assigns; anything else in a callback is not one. */
export const realmIdPattern = /^\d{1,32}$/;

/** CompanyInfo did not confirm that the grant belongs to the company the callback named. */
export class RealmNotConfirmedError extends Error {
  constructor(
    readonly realmId: string,
    message: string,
    /** True when QuickBooks answered that the token is not for this company (not a passing failure). */
    readonly refused: boolean,
  ) {
    super(message);
    this.name = 'RealmNotConfirmedError';
  }
}

function tokensFor(realmId: string, accessToken: string): TokenSource {
  return {
    accessToken: async () => accessToken,
    refreshAfterRejection: async () => {
      throw new ReconnectRequiredError(realmId, 'the token just issued was refused');
    },
  };
}

/**
 * Proves a fresh grant is for `realmId` before anything is stored: reads that company's CompanyInfo with
 * the new access token, once (no retries; the person is waiting at the browser). Answers the company name
 * (null when QuickBooks has none). QuickBooks refusing the token for this company (401/403/404) means the
 * callback named a company the grant is not for: RealmNotConfirmedError with `refused`.
 */
export async function confirmRealm(
  settings: OAuthSettings,
  realmId: string,
  accessToken: string,
  ctx?: Pick<AppContext, 'config' | 'log'> & Partial<Pick<AppContext, 'db'>>,
): Promise<{ companyName: string | null }> {
  const client = createQboClient(ctx ?? { config: settings.config, log: createLogger({ level: 'silent' }) }, {
    realmId,
    tokens: tokensFor(realmId, accessToken),
    timeoutMs: 15_000,
    retry: { maxAttempts: 0 },
  });
  let info: Record<string, unknown>;
  try {
    info = await client.companyInfo();
  } catch (error) {
    if (error instanceof QboError && [401, 403, 404].includes(error.status)) {
      throw new RealmNotConfirmedError(
        realmId,
        `QuickBooks did not confirm company ${realmId} for this connection (HTTP ${error.status}); the callback named a company the grant is not for`,
        true,
      );
    }
    if (error instanceof QboError || error instanceof ReconnectRequiredError) {
      throw new RealmNotConfirmedError(
        realmId,
        `Could not confirm company ${realmId} with QuickBooks (${error.message})`,
        false,
      );
    }
    throw error;
  }
  const name = info.CompanyName;
  return { companyName: typeof name === 'string' && name.trim() ? name.trim() : null };
}

/**
 * The company's name for messages, read right after the code exchange through the API client, so the read
 * waits its turn in the realm's rate budget (shared with other processes when `ctx` brings the store) and
 * is logged with its intuit_tid like every other call. Intuit documents reading CompanyInfo by the realm
 * id; if that read fails, the one-row query still works. The token was issued a moment ago, so a 401 is
 * not worth a refresh here: the name is then unknown (undefined), as for any failed read.
 */
export async function fetchCompanyName(
  settings: OAuthSettings,
  realmId: string,
  accessToken: string,
  ctx?: Pick<AppContext, 'config' | 'log'> & Partial<Pick<AppContext, 'db'>>,
): Promise<string | undefined> {
  const tokens = tokensFor(realmId, accessToken);
  // Without a context there is no logger that knows where this process's logs belong (the CLI keeps stdout
  // for its output), so the read is not logged; callers that have a context should pass it.
  const client = createQboClient(ctx ?? { config: settings.config, log: createLogger({ level: 'silent' }) }, {
    realmId,
    tokens,
    timeoutMs: 15_000,
  });
  const nameOf = (info: unknown) => {
    const name =
      typeof info === 'object' && info !== null ? (info as { CompanyName?: unknown }).CompanyName : undefined;
    return typeof name === 'string' && name.trim() ? name.trim() : undefined;
  };
  // A read that fails says "name unknown", as before this went through the client; anything else is a bug.
  const unknownOn = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (error instanceof QboError || error instanceof ReconnectRequiredError) return undefined;
      throw error;
    }
  };
  const direct = nameOf(await unknownOn(() => client.companyInfo()));
  if (direct) return direct;
  const listed = await unknownOn(() => client.query('select * from CompanyInfo', 'query CompanyInfo'));
  const rows = listed?.CompanyInfo;
  return Array.isArray(rows) ? nameOf(rows[0]) : undefined;
}
