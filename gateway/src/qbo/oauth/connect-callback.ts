import type { AppContext } from '../../app/context';
import {
  confirmRealm,
  exchangeCode,
  OAuthCallError,
  type OAuthSettings,
  oauthSettings,
  RealmNotConfirmedError,
  realmIdPattern,
  revokeToken,
} from './oauth';
import { consumeOAuthState } from './oauth-state';
import { createTokenVault, type TokenVault } from './token-vault';

export interface ConnectedCompany {
  realmId: string;
  companyName: string | null;
}

/** The round trip cannot be finished; `code` is stable for scripts, the message tells a person what to do. */
export class AuthorizationError extends Error {
  constructor(
    readonly code:
      | 'access_denied'
      | 'intuit_error'
      | 'bad_state'
      | 'bad_callback'
      | 'exchange_failed'
      | 'realm_not_confirmed',
    message: string,
  ) {
    super(message);
    this.name = 'AuthorizationError';
  }
}

const restart = 'start again from /qbo/connect or `qb-bridge authorize-qbo`';

/** Accepts a full redirect URL, a path with a query, or just the query string someone pasted. */
export function callbackParams(callback: string): URLSearchParams {
  const text = callback.trim();
  const query = text.includes('?') ? text.slice(text.indexOf('?') + 1) : text;
  return new URLSearchParams(query.split('#')[0]);
}

export interface CompleteOptions {
  vault?: TokenVault;
  settings?: OAuthSettings;
}

/**
 * Finishes an authorize round trip (browser callback to the gateway, the CLI's listener, or a pasted URL):
 * burns the state, exchanges the single-use code exactly once, then proves the grant belongs to the
 * callback's realmId by reading that company's CompanyInfo with the new token, and only then stores it.
 * The realmId travels in the browser's URL, so it is checked as digits and confirmed, never trusted.
 */
export async function completeAuthorization(
  ctx: AppContext,
  callback: string,
  options: CompleteOptions = {},
): Promise<ConnectedCompany> {
  const params = callbackParams(callback);
  const state = consumeOAuthState(ctx.db, params.get('state') ?? undefined);
  const fail = (error: AuthorizationError, initiator = 'unknown'): never => {
    ctx.audit.record({
      actor: initiator,
      action: 'qbo.connect',
      target: params.get('realmId') ?? undefined,
      outcome: error.code === 'access_denied' ? 'denied' : 'failure',
      details: { code: error.code },
    });
    throw error;
  };
  const intuitError = params.get('error');
  if (intuitError) {
    const denied = intuitError === 'access_denied';
    fail(
      new AuthorizationError(
        denied ? 'access_denied' : 'intuit_error',
        denied
          ? `The connection was not approved at Intuit (access_denied); ${restart} and choose Connect`
          : `Intuit answered ${intuitError.slice(0, 60)} instead of an authorization code; ${restart}`,
      ),
      state.ok ? state.initiator : undefined,
    );
  }
  if (!state.ok) fail(new AuthorizationError('bad_state', state.message));
  const initiator = state.ok ? state.initiator : 'unknown';
  const code = params.get('code');
  const realmId = params.get('realmId');
  if (!code || !realmId) {
    fail(
      new AuthorizationError(
        'bad_callback',
        `The callback lacks the ${code ? 'realmId' : 'code'} parameter (was the URL copied whole?); ${restart}`,
      ),
      initiator,
    );
  }
  if (!realmIdPattern.test(realmId!)) {
    fail(
      new AuthorizationError(
        'bad_callback',
        `The callback's realmId is not a QuickBooks company id (digits only); ${restart}`,
      ),
      initiator,
    );
  }
  const settings = options.settings ?? oauthSettings(ctx.config);
  const vault = options.vault ?? createTokenVault(ctx);
  let grant: Awaited<ReturnType<typeof exchangeCode>>;
  try {
    const query = new URLSearchParams({ code: code!, realmId: realmId!, state: params.get('state')! });
    grant = await exchangeCode(settings, `?${query.toString()}`);
  } catch (error) {
    const reason =
      error instanceof OAuthCallError && error.invalidGrant
        ? 'Intuit refused the authorization code (invalid_grant): codes work once and only for a few minutes'
        : (error as Error).message;
    return fail(new AuthorizationError('exchange_failed', `${reason}; ${restart}`), initiator);
  }
  let companyName: string | null;
  try {
    ({ companyName } = await confirmRealm(settings, realmId!, grant.accessToken, ctx));
  } catch (error) {
    if (!(error instanceof RealmNotConfirmedError)) throw error;
    // The grant is not stored, so nobody could ever revoke it later: end it at Intuit now.
    await revokeToken(settings, grant.refreshToken).catch((revokeError: unknown) => {
      ctx.log.warn({ realmId, err: (revokeError as Error).message }, 'could not revoke an unconfirmed grant');
    });
    return fail(new AuthorizationError('realm_not_confirmed', `${error.message}; ${restart}`), initiator);
  }
  vault.saveFromCodeExchange(realmId!, grant, { actor: initiator, companyName: companyName ?? undefined });
  return { realmId: realmId!, companyName };
}

export function describeCompany(company: ConnectedCompany): string {
  return company.companyName
    ? `${company.companyName} (realm ${company.realmId})`
    : `QuickBooks company (realm ${company.realmId})`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The page a person sees in the browser after Intuit sends them back. */
export function resultPage(title: string, body: string, data: Record<string, string> = {}): string {
  const attributes = Object.entries(data)
    .map(([key, value]) => ` data-${key}="${escapeHtml(value)}"`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto"><main${attributes}>`,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></main></body></html>`,
  ].join('\n');
}
