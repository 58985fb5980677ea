import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { hmacHeaders } from '../../../../shared/src/sheets/signing';
import type { AppContext } from '../../app/context';
import type { AppEnv } from '../../server/env';
import { HttpError } from '../../server/errors';
import { verifyHmacRequest } from './hmac';
import { listOf, remoteJwks, verifyIdToken } from './id-token';

/**
 * Guards `/api/sheets/*`: a Google ID token (`Authorization: Bearer <jwt>`) or an HMAC-signed request.
 * Anything else is 401 with an audit row — at most `deniedAuditPerMinute` rows a minute per process (the
 * rest are counted into the next row), so an anonymous flood cannot grow the store.
 */
export type AddonIdentity =
  | { kind: 'google'; email: string; subject: string }
  | { kind: 'hmac'; keyId: string; spreadsheetId: string | null };

const identities = new WeakMap<Request, AddonIdentity>();

export function addonIdentity(c: Context<AppEnv>): AddonIdentity | undefined {
  return identities.get(c.req.raw);
}

export const deniedAuditPerMinute = 20;
let window = { start: 0, written: 0, suppressed: 0 };

/** Test hook: forget the current audit window. */
export function resetDeniedAuditWindow(): void {
  window = { start: 0, written: 0, suppressed: 0 };
}

function auditDenied(ctx: AppContext, c: Context<AppEnv>, reason: string): void {
  const now = Date.now();
  if (now - window.start >= 60_000) window = { start: now, written: 0, suppressed: window.suppressed };
  if (window.written >= deniedAuditPerMinute) {
    window.suppressed += 1;
    return;
  }
  window.written += 1;
  const suppressed = window.suppressed;
  window.suppressed = 0;
  ctx.audit.record({
    actor: 'anonymous',
    action: 'addon.auth',
    target: `${c.req.method} ${c.req.path}`,
    outcome: 'denied',
    details: {
      reason,
      requestId: c.get('requestId'),
      ...(suppressed > 0 ? { deniedNotRecorded: suppressed } : {}),
    },
  });
}

/** The part of the URL both sides sign: from `/api/` on, so a proxy's path prefix does not matter. */
export function signedPath(url: string): string {
  const u = new URL(url);
  const full = u.pathname + u.search;
  const at = full.indexOf('/api/');
  return at >= 0 ? full.slice(at) : full;
}

async function identify(c: Context<AppEnv>): Promise<AddonIdentity | { reason: string }> {
  const ctx = c.get('ctx');
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (bearer) {
    const verdict = await verifyIdToken(bearer, remoteJwks(ctx.config.ADDON_JWKS_URL), {
      audiences: listOf(ctx.config.ADDON_AUDIENCE),
      allowed: listOf(ctx.config.ADDON_ALLOWED_EMAILS),
    });
    return verdict.ok ? { kind: 'google', email: verdict.email, subject: verdict.subject } : verdict;
  }
  if (c.req.header(hmacHeaders.signature)) {
    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
    const verdict = verifyHmacRequest(ctx, {
      method: c.req.method,
      path: signedPath(c.req.url),
      body,
      header: (name) => c.req.header(name),
    });
    return verdict.ok
      ? { kind: 'hmac', keyId: verdict.key.keyId, spreadsheetId: verdict.key.spreadsheetId }
      : verdict;
  }
  return { reason: 'no ID token or signature' };
}

export const requireAddonAuth = createMiddleware<AppEnv>(async (c, next) => {
  // Already verified by the scope guard (scope.ts): a signed request's nonce is single-use.
  if (identities.has(c.req.raw)) return next();
  const ctx = c.get('ctx');
  const found = await identify(c);
  if ('reason' in found) {
    auditDenied(ctx, c, found.reason);
    throw new HttpError(
      401,
      'unauthorized',
      `The add-on request was not accepted: ${found.reason}. In the sidebar's settings use Google sign-in (the gateway's ADDON_AUDIENCE and ADDON_ALLOWED_EMAILS must list you) or paste a key from \`qb-bridge addon-key\`.`,
    );
  }
  identities.set(c.req.raw, found);
  c.set('principal', {
    kind: found.kind === 'google' ? 'user' : 'api-token',
    name: found.kind === 'google' ? `addon:${found.email}` : `addon-key:${found.keyId}`,
  });
  await next();
});
