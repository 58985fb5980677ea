import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config/load';
import type { AppEnv } from '../server/env';
import { HttpError } from '../server/errors';
import { csrfMatches, type DashboardSession, defaultSessionPolicy, readSession } from './sessions';

/** Secure cookies whenever the gateway is published over https; `__Host-` then pins them to this host. */
export function cookieIsSecure(config: Config): boolean {
  return (config.PUBLIC_URL ?? '').startsWith('https:');
}

export function sessionCookieName(config: Config): string {
  return cookieIsSecure(config) ? '__Host-qbb_session' : 'qbb_session';
}

export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  const config = c.get('ctx').config;
  setCookie(c, sessionCookieName(config), token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: cookieIsSecure(config),
    path: '/',
    maxAge: Math.floor(defaultSessionPolicy.maxAgeMs / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  const config = c.get('ctx').config;
  deleteCookie(c, sessionCookieName(config), { path: '/', secure: cookieIsSecure(config) });
}

export function sessionToken(c: Context<AppEnv>): string | undefined {
  return getCookie(c, sessionCookieName(c.get('ctx').config));
}

/** The dashboard session behind this request's cookie, if any. */
export function currentSession(c: Context<AppEnv>): DashboardSession | undefined {
  const token = sessionToken(c);
  return token ? readSession(c.get('ctx').db, token) : undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Lets a REST route accept the dashboard's session cookie instead of a bearer token. A state-changing call
 * made with the cookie must also send the session's CSRF token in `X-CSRF-Token` (the cookie alone could be
 * sent by another site's form).
 */
export function useDashboardSession(c: Context<AppEnv>): void {
  const session = currentSession(c);
  if (!session) return;
  if (!safeMethods.has(c.req.method) && !csrfMatches(session, c.req.header('x-csrf-token'))) {
    c.get('ctx').audit.record({
      actor: `user:${session.username}`,
      action: 'api.csrf',
      target: `${c.req.method} ${c.req.path}`,
      outcome: 'denied',
      details: { requestId: c.get('requestId') },
    });
    throw new HttpError(
      403,
      'csrf',
      'A call made with the dashboard session must send its X-CSRF-Token header (or use an API token)',
    );
  }
  c.set('principal', { kind: 'user', name: session.username });
}
