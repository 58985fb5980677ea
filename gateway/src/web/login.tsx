import crypto from 'node:crypto';
import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { loginGate, recordLoginAttempt } from '../auth/login-limits';
import {
  clearSessionCookie,
  cookieIsSecure,
  currentSession,
  sessionToken,
  setSessionCookie,
} from '../auth/session-cookie';
import { createSession, csrfMatches, endSession, pruneSessions } from '../auth/sessions';
import { checkUserPassword, LoginBusyError, listUsers, maxPasswordChars } from '../auth/users';
import { clientAddress } from '../server/client-address';
import type { AppEnv } from '../server/env';
import { safeNext } from './forms';
import { noStore, pageSecureHeaders } from './headers';
import { sameOrigin } from './kit';
import { FieldError, Layout } from './layout';
import type { PageContext } from './page-module';

/** Before login there is no session to hold a CSRF token, so the login form uses a double-submit cookie. */
const loginCsrfCookie = 'qbb_login_csrf';

interface LoginView {
  next: string;
  username?: string;
  error?: string;
  status?: number;
}

function loginPage(c: PageContext, view: LoginView) {
  const token = crypto.randomBytes(24).toString('base64url');
  setCookie(c, loginCsrfCookie, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: cookieIsSecure(c.get('ctx').config),
    path: '/login',
    maxAge: 3600,
  });
  const noUsers = listUsers(c.get('ctx').db).length === 0;
  const ended = c.req.query('ended') === '1' && !view.error;
  const body = (
    <section class="card login">
      {ended ? (
        <p class="notice ok" role="status">
          You are logged out.
        </p>
      ) : null}
      {noUsers ? (
        <p class="warning">
          No dashboard user exists yet. On the server run{' '}
          <code>qb-bridge admin add-user --username NAME</code>.
        </p>
      ) : null}
      <form method="post" action="/login" novalidate>
        <input type="hidden" name="_csrf" value={token} />
        <input type="hidden" name="next" value={view.next} />
        <label for="username">User name</label>
        <input
          id="username"
          name="username"
          autocomplete="username"
          required
          value={view.username ?? ''}
          aria-invalid={view.error ? 'true' : undefined}
          aria-describedby={view.error ? 'login-error' : undefined}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          aria-invalid={view.error ? 'true' : undefined}
          aria-describedby={view.error ? 'login-error' : undefined}
        />
        <FieldError id="login-error" message={view.error} />
        <button type="submit">Log in</button>
      </form>
    </section>
  );
  return c.html(
    html`<!doctype html>${<Layout title="Log in" body={body} currentPath="/login" nav={[]} />}`,
    (view.status ?? 200) as 200,
  );
}

function audit(c: PageContext, username: string, outcome: 'success' | 'failure' | 'denied', reason?: string) {
  c.get('ctx').audit.record({
    actor: `user:${username.slice(0, 100)}`,
    action: 'dashboard.login',
    outcome,
    details: { address: clientAddress(c) ?? 'unknown', ...(reason ? { reason } : {}) },
  });
}

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** GET|POST /login and POST /logout. */
export function registerLogin(app: Hono<AppEnv>): void {
  app.get('/login', pageSecureHeaders, noStore, (c) => {
    const next = safeNext(c.req.query('next'));
    if (currentSession(c)) return c.redirect(next, 303);
    return loginPage(c, { next });
  });

  app.post('/login', pageSecureHeaders, noStore, sameOrigin, async (c) => {
    const ctx = c.get('ctx');
    const form = await c.req.parseBody();
    const text = (key: string) => (typeof form[key] === 'string' ? (form[key] as string) : '');
    const next = safeNext(text('next'));
    const username = text('username').trim().slice(0, 100);
    const password = text('password');
    if (!sameToken(getCookie(c, loginCsrfCookie), text('_csrf'))) {
      audit(c, username || 'anonymous', 'denied', 'login form CSRF token missing or stale');
      return loginPage(c, { next, username, error: 'The login form expired; please try again', status: 403 });
    }
    if (!username || !password) {
      return loginPage(c, { next, username, error: 'Enter your user name and password', status: 400 });
    }
    const address = clientAddress(c) ?? 'unknown';
    const gate = loginGate(ctx.db, username, address);
    if (!gate.allowed) {
      audit(c, username, 'denied', 'too many failed logins from this address');
      c.header('Retry-After', String(gate.retryAfterSeconds));
      const minutes = Math.ceil(gate.retryAfterSeconds / 60);
      return loginPage(c, {
        next,
        username,
        error: `Too many failed logins from your address; try again in ${minutes} minute(s)`,
        status: 429,
      });
    }
    let user: string | undefined;
    try {
      user =
        password.length <= maxPasswordChars ? await checkUserPassword(ctx.db, username, password) : undefined;
    } catch (error) {
      if (!(error instanceof LoginBusyError)) throw error;
      c.header('Retry-After', '5');
      return loginPage(c, { next, username, error: error.message, status: 503 });
    }
    recordLoginAttempt(ctx.db, { username, address, outcome: user ? 'success' : 'failure' });
    if (!user) {
      audit(c, username, 'failure', 'wrong user name or password');
      return loginPage(c, { next, username, error: 'Wrong user name or password', status: 401 });
    }
    // A new session id at every login, so a cookie planted before login is worth nothing after it.
    const old = sessionToken(c);
    if (old) endSession(ctx.db, old);
    pruneSessions(ctx.db);
    const { token } = createSession(ctx.db, user, {
      remoteIp: clientAddress(c),
      userAgent: c.req.header('user-agent'),
    });
    setSessionCookie(c, token);
    deleteCookie(c, loginCsrfCookie, { path: '/login' });
    audit(c, user, 'success');
    return c.redirect(next, 303);
  });

  app.post('/logout', pageSecureHeaders, noStore, sameOrigin, async (c) => {
    const ctx = c.get('ctx');
    const session = currentSession(c);
    const token = sessionToken(c);
    if (!session || !token) {
      clearSessionCookie(c);
      return c.redirect('/login', 303);
    }
    const form = await c.req.parseBody();
    if (!csrfMatches(session, typeof form._csrf === 'string' ? form._csrf : undefined)) {
      ctx.audit.record({
        actor: `user:${session.username}`,
        action: 'dashboard.csrf',
        target: 'POST /logout',
        outcome: 'denied',
      });
      return c.text(
        'This form is out of date (its CSRF token does not match your session); reload the page',
        403,
      );
    }
    endSession(ctx.db, token);
    clearSessionCookie(c);
    ctx.audit.record({ actor: `user:${session.username}`, action: 'dashboard.logout', outcome: 'success' });
    return c.redirect('/login?ended=1', 303);
  });
}
