import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../server/env';
import { HttpError } from '../server/errors';
import { verifyApiToken } from './api-tokens';
import { useDashboardSession } from './session-cookie';

/**
 * Guards REST routes: `Authorization: Bearer <api token>`, or a principal already set by an earlier
 * middleware (the dashboard's session cookie). Failures are audited without the presented value.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('principal') && !c.req.header('authorization')) useDashboardSession(c);
  if (!c.get('principal')) {
    const ctx = c.get('ctx');
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? verifyApiToken(ctx.db, match[1]!) : undefined;
    if (!token) {
      ctx.audit.record({
        actor: 'anonymous',
        action: 'api.auth',
        target: `${c.req.method} ${c.req.path}`,
        outcome: 'denied',
        details: {
          reason: match ? 'unknown or revoked token' : 'no bearer token',
          requestId: c.get('requestId'),
        },
      });
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
