/**
 * OAuth 2.0 endpoints mirroring Intuit's (qbo-api.md §12): an auto-approve authorize page, the token
 * endpoint (authorization_code and refresh_token grants, Basic client auth, form body) and revoke.
 */
import type { Context, Hono } from 'hono';
import type { TokenAuthority, TokenPair } from './tokens';

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  /** The realm a consent connects to unless the authorize URL names another (`realmId=`). */
  defaultRealmId: string;
  companyName: (realmId: string) => string;
  ensureCompany(realmId: string): void;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function oauthError(c: Context, status: 400 | 401, error: string, description: string) {
  return c.json({ error, error_description: description }, status);
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

async function formFields(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) return {};
      return Object.fromEntries(
        Object.entries(parsed).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
      );
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function redirectTarget(
  redirectUri: string,
  code: string,
  state: string | undefined,
  realmId: string,
): string {
  const url = new URL(redirectUri);
  url.searchParams.set('code', code);
  if (state !== undefined) url.searchParams.set('state', state);
  url.searchParams.set('realmId', realmId);
  return url.toString();
}

function consentPage(params: URLSearchParams, companyName: string, realmId: string): string {
  const hidden = [...params.entries()]
    .filter(([k]) => k !== 'auto')
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n      ');
  const autoParams = new URLSearchParams(params);
  autoParams.set('auto', '1');
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Connect to QuickBooks (emulator)</title></head>
  <body>
    <h1>QuickBooks Online emulator</h1>
    <p>An app wants to connect to <strong>${escapeHtml(companyName)}</strong> (company ${escapeHtml(realmId)}).</p>
    <form method="post" action="/connect/oauth2/approve">
      ${hidden}
      <button type="submit">Connect</button>
    </form>
    <p><a id="approve" href="/connect/oauth2?${escapeHtml(autoParams.toString())}">Connect without the form</a></p>
  </body>
</html>`;
}

export function registerOAuthRoutes(app: Hono, tokens: TokenAuthority, settings: OAuthSettings): void {
  /** Checks an authorize request; answers an error page or the pieces needed to redirect. */
  const checkAuthorize = (params: URLSearchParams) => {
    const problems: string[] = [];
    if (params.get('client_id') !== settings.clientId) problems.push('client_id is not this app’s client id');
    if (params.get('response_type') !== 'code') problems.push('response_type must be "code"');
    if (!params.get('scope')) problems.push('scope is required (e.g. com.intuit.quickbooks.accounting)');
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!URL.canParse(redirectUri) || !/^https?:$/.test(new URL(redirectUri).protocol)) {
      problems.push('redirect_uri must be an absolute http(s) URL');
    }
    const realmId = params.get('realmId') || settings.defaultRealmId;
    if (!/^\d+$/.test(realmId)) problems.push('realmId must be digits');
    return { problems, redirectUri, realmId, state: params.get('state') ?? undefined };
  };

  const approve = (c: Context, params: URLSearchParams) => {
    const checked = checkAuthorize(params);
    if (checked.problems.length > 0) {
      return c.html(
        `<!doctype html><h1>Invalid request</h1><ul>${checked.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>`,
        400,
      );
    }
    settings.ensureCompany(checked.realmId);
    const code = tokens.issueCode(checked.realmId, checked.redirectUri);
    return c.redirect(redirectTarget(checked.redirectUri, code, checked.state, checked.realmId), 302);
  };

  app.get('/connect/oauth2', (c) => {
    const params = new URL(c.req.url).searchParams;
    if (params.get('auto') === '1') return approve(c, params);
    const checked = checkAuthorize(params);
    if (checked.problems.length > 0) return approve(c, params);
    return c.html(consentPage(params, settings.companyName(checked.realmId), checked.realmId));
  });

  app.post('/connect/oauth2/approve', async (c) => approve(c, new URLSearchParams(await formFields(c))));

  /** Token and revoke calls authenticate the app with HTTP Basic client_id:client_secret, as Intuit's do. */
  const refuseUnknownClient = (c: Context) => {
    const client = basicCredentials(c.req.header('authorization'));
    if (client && client.id === settings.clientId && client.secret === settings.clientSecret)
      return undefined;
    return oauthError(
      c,
      401,
      'invalid_client',
      'Client authentication failed: check the client id and secret',
    );
  };

  app.post('/oauth2/v1/tokens/bearer', async (c) => {
    const refused = refuseUnknownClient(c);
    if (refused) return refused;
    const fields = await formFields(c);
    let result: TokenPair | 'invalid_grant';
    if (fields.grant_type === 'authorization_code') {
      if (!fields.code) return oauthError(c, 400, 'invalid_request', 'code is required');
      result = tokens.exchangeCode(fields.code, fields.redirect_uri);
      if (result === 'invalid_grant') {
        return oauthError(c, 400, 'invalid_grant', 'Incorrect or invalid authorization code');
      }
    } else if (fields.grant_type === 'refresh_token') {
      if (!fields.refresh_token) return oauthError(c, 400, 'invalid_request', 'refresh_token is required');
      result = tokens.refresh(fields.refresh_token);
      if (result === 'invalid_grant')
        return oauthError(c, 400, 'invalid_grant', 'Incorrect or invalid refresh token');
    } else {
      return oauthError(
        c,
        400,
        'unsupported_grant_type',
        'grant_type must be authorization_code or refresh_token',
      );
    }
    const { x_refresh_token_hard_expires_in, ...rest } = result;
    const wantsHard =
      (c.req.header('x-include-refresh-token-hard-expires-in') ?? '').toLowerCase() === 'true';
    return c.json(wantsHard ? { ...rest, x_refresh_token_hard_expires_in } : rest);
  });

  const revoke = async (c: Context) => {
    const refused = refuseUnknownClient(c);
    if (refused) return refused;
    const fields = await formFields(c);
    if (!fields.token) return oauthError(c, 400, 'invalid_request', 'token is required');
    tokens.revoke(fields.token);
    // RFC 7009: an unknown token is not an error; Intuit answers 200 with an empty body.
    return c.body(null, 200);
  };
  app.post('/oauth2/v1/tokens/revoke', revoke);
  app.post('/v2/oauth2/tokens/revoke', revoke);
}
