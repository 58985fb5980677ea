import type { Context } from 'hono';
import { successEnvelope } from '../../../shared/src/envelope';
import { requireAuth } from '../auth/middleware';
import { CliError } from '../cli/exit-codes';
import { ConfigError } from '../config/load';
import type { AppEnv } from '../server/env';
import { badRequest, HttpError, notFound } from '../server/errors';
import type { RouteModule } from '../server/route-module';
import {
  AuthorizationError,
  completeAuthorization,
  describeCompany,
  resultPage,
} from './oauth/connect-callback';
import { qboHealth } from './oauth/connection-health';
import { buildAuthorizeUrl, oauthSettings } from './oauth/oauth';
import { createOAuthState } from './oauth/oauth-state';
import { readTokenRow } from './oauth/token-store';
import { createTokenVault } from './oauth/token-vault';
import { pickerCustomers, pickerItems } from './pickers';

function notConfigured(error: ConfigError): HttpError {
  return new HttpError(503, 'not_configured', error.message, { variable: error.variable });
}

const wantsJson = (c: Context<AppEnv>) => (c.req.header('accept') ?? '').includes('application/json');

async function callback(c: Context<AppEnv>) {
  const ctx = c.get('ctx');
  try {
    const company = await completeAuthorization(ctx, c.req.url);
    if (wantsJson(c)) return c.json(successEnvelope(company, `Connected ${describeCompany(company)}`));
    return c.html(
      resultPage(
        `Connected to ${company.companyName ?? 'QuickBooks'} (realm ${company.realmId})`,
        'qb-bridge can now read and write this QuickBooks company. You can close this window.',
        { 'realm-id': company.realmId, 'company-name': company.companyName ?? '' },
      ),
    );
  } catch (error) {
    const status = error instanceof AuthorizationError ? 400 : error instanceof ConfigError ? 503 : 502;
    const code =
      error instanceof AuthorizationError ? error.code : status === 503 ? 'not_configured' : 'failed';
    const message = (error as Error).message;
    if (!(error instanceof AuthorizationError)) {
      ctx.log.error({ err: message, requestId: c.get('requestId') }, 'QuickBooks callback failed');
    }
    if (wantsJson(c)) throw new HttpError(status, code, message);
    return c.html(
      resultPage(
        code === 'access_denied' ? 'QuickBooks connection cancelled' : 'QuickBooks connection failed',
        message,
        { error: code },
      ),
      status,
    );
  }
}

/** Not connected (or never configured) is the caller's to fix: 503 with the sentence, not a 500. */
async function pickList(c: Context<AppEnv>, read: typeof pickerCustomers, what: string) {
  try {
    const entries = await read(c.get('ctx'));
    return c.json(successEnvelope(entries, `${entries.length} ${what}`));
  } catch (error) {
    if (error instanceof ConfigError) throw notConfigured(error);
    if (error instanceof CliError) throw new HttpError(503, 'qbo_not_connected', error.message);
    throw error;
  }
}

/**
 * GET /qbo/connect, GET /qbo/callback, POST /qbo/disconnect, the connection section of /healthz, and the
 * pick lists for mapping (GET /api/qbo/customers, GET /api/qbo/items).
 */
export const qboRoutes: RouteModule = {
  name: 'qbo',
  health: qboHealth,
  register(app) {
    app.get('/qbo/connect', requireAuth, (c) => {
      const ctx = c.get('ctx');
      let settings: ReturnType<typeof oauthSettings>;
      try {
        settings = oauthSettings(ctx.config);
      } catch (error) {
        if (error instanceof ConfigError) throw notConfigured(error);
        throw error;
      }
      const principal = c.get('principal');
      const state = createOAuthState(ctx.db, principal ? `${principal.kind}:${principal.name}` : 'unknown');
      return c.redirect(buildAuthorizeUrl(settings, state), 302);
    });

    app.get('/api/qbo/customers', requireAuth, (c) => pickList(c, pickerCustomers, 'active customers'));
    app.get('/api/qbo/items', requireAuth, (c) => pickList(c, pickerItems, 'active service items'));

    // No bearer here: Intuit sends the browser back, and the single-use state is what proves the origin.
    app.get('/qbo/callback', callback);

    app.post('/qbo/disconnect', requireAuth, async (c) => {
      const ctx = c.get('ctx');
      const text = await c.req.text();
      let body: unknown = {};
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          throw badRequest('The body must be JSON such as {"realmId": "9130357000000000"} (or empty)');
        }
      }
      const requested =
        typeof body === 'object' && body !== null ? (body as { realmId?: unknown }).realmId : undefined;
      if (requested !== undefined && (typeof requested !== 'string' || !/^[\w-]{1,64}$/.test(requested))) {
        throw badRequest('realmId must be the company id as a string, e.g. "9130357000000000"');
      }
      const vault = createTokenVault(ctx);
      let realmId: string;
      try {
        realmId = requested ?? vault.defaultRealm();
      } catch (error) {
        throw badRequest((error as Error).message);
      }
      const row = readTokenRow(ctx.db, realmId);
      if (!row || row.status === 'disconnected') {
        throw notFound(`QuickBooks company ${realmId} is not connected, so there is nothing to disconnect`);
      }
      const principal = c.get('principal');
      const result = await vault.disconnect(
        realmId,
        principal ? `${principal.kind}:${principal.name}` : 'api',
      );
      return c.json(
        successEnvelope(
          result,
          result.revoked
            ? `Disconnected QuickBooks company ${realmId}; Intuit revoked the tokens`
            : `Forgot the tokens of QuickBooks company ${realmId}, but Intuit did not confirm the revoke (${result.revokeError}); remove the app in QuickBooks to be sure`,
        ),
      );
    });
  },
};
