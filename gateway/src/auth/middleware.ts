import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { clientAddress } from '../server/client-address';
import type { AppEnv } from '../server/env';
import { HttpError } from '../server/errors';
import { verifyApiToken } from './api-tokens';
import { FailedAuthThrottle } from './failed-auth';
import { useDashboardSession } from './session-cookie';

/** One per store: anonymous callers are counted per address, whichever app instance they reach. */
const throttles = new WeakMap<object, FailedAuthThrottle>();
function failedAuthFor(db: object): FailedAuthThrottle {
  let throttle = throttles.get(db);
  if (!throttle) {
    throttle = new FailedAuthThrottle();
    throttles.set(db, throttle);
  }
  return throttle;
}

function bearerToken(c: Context<AppEnv>): { presented: boolean; name?: string } {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return { presented: false };
  const token = verifyApiToken(c.get('ctx').db, match[1]!);
  return { presented: true, name: token?.name };
}

/**
 * Guards REST routes: `Authorization: Bearer <api token>`, or a principal already set by an earlier
 * middleware (the dashboard's session cookie). Failures are audited without the presented value, at most
 * one row per address per minute (the rest are counted into the next row), so a flood of anonymous
 * requests cannot grow the store.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('principal') && !c.req.header('authorization')) useDashboardSession(c);
  if (!c.get('principal')) {
    const ctx = c.get('ctx');
    const token = bearerToken(c);
    if (!token.name) {
      const address = clientAddress(c);
      const summary = failedAuthFor(ctx.db).admit(address ?? 'unknown');
      if (summary) {
        ctx.audit.record({
          actor: 'anonymous',
          action: 'api.auth',
          target: `${c.req.method} ${c.req.path}`,
          outcome: 'denied',
          details: {
            reason: token.presented ? 'unknown or revoked token' : 'no bearer token',
            requestId: c.get('requestId'),
            address: address ?? null,
            ...(summary.suppressed > 0
              ? { alsoDeniedSinceLastRow: summary.suppressed, since: summary.since }
              : {}),
          },
        });
      }
      c.header('WWW-Authenticate', 'Bearer realm="qb-bridge"');
      throw new HttpError(
        401,
        'unauthorized',
        'Send Authorization: Bearer <token>; create one with `qb-bridge api-token create --name NAME`',
      );
    }
    c.set('principal', { kind: 'api-token', name: token.name });
  }
  await next();
});

/** Sets the principal when a valid token came with the request; never refuses and never audits. */
export const optionalPrincipal = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('principal')) {
    const token = bearerToken(c);
    if (token.name) c.set('principal', { kind: 'api-token', name: token.name });
  }
  await next();
});
