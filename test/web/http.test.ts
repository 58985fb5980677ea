import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  currentLocks,
  defaultLockoutPolicy,
  recordLoginAttempt,
} from '../../gateway/src/qbwc/sessions/credentials';
import { createApp } from '../../gateway/src/server/app';
import { Client, type Dashboard, startDashboard, testUser } from './helpers';

let d: Dashboard;
beforeAll(async () => {
  d = await startDashboard({ TRUST_PROXY: '1' });
});
afterAll(async () => {
  await d.close();
});

const auditRows = (action: string) =>
  d.ctx.audit
    .recent({ action, limit: 500 })
    .map((r) => ({ actor: r.actor, outcome: r.outcome, target: r.target }));

async function loggedIn(address = '192.0.2.10'): Promise<Client> {
  const client = new Client(d.url);
  const forwarded = (init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', address);
    return { ...init, headers };
  };
  const request = client.request.bind(client);
  client.request = (p, init) => request(p, forwarded(init));
  const response = await client.login();
  expect(response.status).toBe(303);
  return client;
}

describe('without a session', { timeout: 60_000 }, () => {
  it('pages send the browser to the login page, keeping where it was going', async () => {
    const anon = new Client(d.url);
    for (const path of ['/', '/web-connector', '/audit', '/tokens']) {
      const r = await anon.request(path);
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    const post = await anon.post('/tokens', { name: 'x' });
    expect(post.status).toBe(401);
  });

  it('every /api/ route except the SOAP endpoint answers 401, and /healthz and the WSDL stay open', async () => {
    const app = createApp(d.ctx);
    const routes = app.routes.filter(
      // The SOAP endpoint, also under the trailing-slash AppURL a Web Connector user may have typed.
      (r) =>
        r.path.startsWith('/api/') && r.method !== 'ALL' && r.path !== '/api/qbwc' && r.path !== '/api/qbwc/',
    );
    expect(routes.length).toBeGreaterThan(8);
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)(\{[^}]*\})?/g, '1');
      const r = await fetch(`${d.url}${path}`, { method: route.method });
      // The add-on's endpoints have their own authentication (a signed request), which may answer 403.
      const expected = path.startsWith('/api/sheets/') && r.status === 403 ? 403 : 401;
      expect([route.method, path, r.status]).toEqual([route.method, path, expected]);
    }
    expect((await fetch(`${d.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${d.url}/api/qbwc?wsdl`)).status).toBe(200);
    expect((await fetch(`${d.url}/qbo/connect`, { redirect: 'manual' })).status).toBe(401);
  });

  it('a wrong password is refused and audited; the login form needs its own CSRF cookie and our origin', async () => {
    const client = new Client(d.url);
    const token = await client.csrfFrom('/login');
    const wrong = await client.post('/login', {
      _csrf: token,
      username: 'alex',
      password: 'not the password',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong user name or password');
    expect(auditRows('dashboard.login')).toContainEqual({
      actor: 'user:alex',
      outcome: 'failure',
      target: null,
    });

    const noCookie = new Client(d.url);
    const forged = await noCookie.post('/login', { _csrf: token, ...testUser });
    expect(forged.status).toBe(403);
    const crossSite = await client.post('/login', { _csrf: token, ...testUser }, 'https://evil.example');
    expect(crossSite.status).toBe(403);
    expect(
      [...noCookie.cookies.keys(), ...client.cookies.keys()].filter((k) => k.includes('session')),
    ).toEqual([]);
  });
});

describe('with a session', { timeout: 60_000 }, () => {
  it('sets an HttpOnly SameSite=Strict cookie and serves pages with the dashboard headers', async () => {
    const client = new Client(d.url);
    const token = await client.csrfFrom('/login');
    const r = await client.post('/login', { _csrf: token, ...testUser, next: '/audit' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/audit');
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('qbb_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    for (const path of ['/', '/web-connector', '/audit', '/tokens']) {
      const page = await client.request(path);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*application\/json)[^>]*>/);
      expect(html).not.toMatch(/\sstyle="/);
      expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"]*\.(js|css)"/);
    }
  });

  it('a form without the session CSRF token, or from another origin, changes nothing and is audited', async () => {
    const client = await loggedIn();
    const before = (await client.request('/tokens').then((r) => r.text())).match(/<tr>/g)?.length;
    const noToken = await client.post('/tokens', { name: 'forged' });
    expect(noToken.status).toBe(403);
    const wrongToken = await client.post('/tokens', { name: 'forged', _csrf: 'x'.repeat(43) });
    expect(wrongToken.status).toBe(403);
    const csrf = await client.csrfFrom('/tokens');
    const otherOrigin = await client.post('/tokens', { name: 'forged', _csrf: csrf }, 'https://evil.example');
    expect(otherOrigin.status).toBe(403);
    const after = (await client.request('/tokens').then((r) => r.text())).match(/<tr>/g)?.length;
    expect(after).toBe(before);
    expect(auditRows('dashboard.csrf').filter((r) => r.target === 'POST /tokens')).toHaveLength(3);
  });

  it('REST accepts the session, and a write made with it needs X-CSRF-Token', async () => {
    const client = await loggedIn();
    expect((await client.request('/api/jobs')).status).toBe(200);
    const blind = await client.request('/qbo/disconnect', { method: 'POST' });
    expect(blind.status).toBe(403);
    expect(((await blind.json()) as { error: { code: string } }).error.code).toBe('csrf');
    const csrf = await client.csrfFrom('/');
    const withToken = await client.request('/qbo/disconnect', {
      method: 'POST',
      headers: { 'x-csrf-token': csrf },
    });
    // Past the guard: the route itself answers that no company is connected yet.
    expect(withToken.status).toBe(400);
    expect(((await withToken.json()) as { error: { code: string } }).error.code).not.toBe('csrf');
  });

  it('API tokens are created (shown once), work as bearer tokens, and are revoked from the page', async () => {
    const client = await loggedIn();
    const csrf = await client.csrfFrom('/tokens');
    const empty = await client.post('/tokens', { _csrf: csrf, name: '' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/id="token-name-error"[^>]*>Give the token a name/);
    const created = await client.post('/tokens', { _csrf: csrf, name: 'nightly cron' });
    const token = /data-field="new-token">(qbb_[\w-]+)</.exec(await created.text())![1]!;
    const bearer = { headers: { authorization: `Bearer ${token}` } };
    expect((await fetch(`${d.url}/api/jobs`, bearer)).status).toBe(200);
    const revoked = await client.post('/tokens/revoke', { _csrf: csrf, name: 'nightly cron' });
    expect(revoked.status).toBe(303);
    expect((await fetch(`${d.url}/api/jobs`, bearer)).status).toBe(401);
    expect(auditRows('api_token.create')).toContainEqual({
      actor: 'user:alex',
      outcome: 'success',
      target: 'nightly cron',
    });
    expect(auditRows('api_token.revoke')).toContainEqual({
      actor: 'user:alex',
      outcome: 'success',
      target: 'nightly cron',
    });
  });

  it('logout ends the session server-side: the old cookie no longer opens a page', async () => {
    const client = await loggedIn();
    const stolen = new Map(client.cookies);
    const csrf = await client.csrfFrom('/');
    const out = await client.post('/logout', { _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login?ended=1');
    const replay = new Client(d.url);
    for (const [k, v] of stolen) replay.cookies.set(k, v);
    expect((await replay.request('/')).status).toBe(303);
    expect((await replay.request('/api/jobs')).status).toBe(401);
    expect(auditRows('dashboard.logout')[0]).toMatchObject({ actor: 'user:alex', outcome: 'success' });
  });
});

describe('login rate limit', { timeout: 60_000 }, () => {
  it('holds back the guessing address (429) while the user still logs in from their own', async () => {
    const guesser = new Client(d.url);
    const fromGuesser = (init: RequestInit = {}) => ({
      ...init,
      headers: { ...(init.headers as object), 'x-forwarded-for': '203.0.113.66' },
    });
    const request = guesser.request.bind(guesser);
    guesser.request = (p, init) => request(p, fromGuesser(init));
    for (let i = 0; i < 5; i++) {
      expect((await guesser.login('alex', `guess number ${i}`)).status).toBe(401);
    }
    const held = await guesser.login();
    expect(held.status).toBe(429);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(auditRows('dashboard.login')).toContainEqual({
      actor: 'user:alex',
      outcome: 'denied',
      target: null,
    });
    const owner = await loggedIn('198.51.100.20');
    expect((await owner.request('/')).status).toBe(200);
  });
});

describe('Web Connector page', { timeout: 60_000 }, () => {
  it('unlocks a locked-out Web Connector user and audits it', async () => {
    const now = new Date();
    for (let i = 0; i < 5; i++) {
      recordLoginAttempt(d.ctx.db, {
        username: 'qbwc-user',
        remoteIp: '203.0.113.5',
        outcome: 'failure',
        at: new Date(now.getTime() - 1000 + i),
      });
    }
    expect(currentLocks(d.ctx.db, new Date(), defaultLockoutPolicy, 'qbwc-user')).not.toHaveLength(0);
    const client = await loggedIn();
    const page = await client.request('/web-connector').then((r) => r.text());
    expect(page).toContain('data-lockout="qbwc-user"');
    const csrf = await client.csrfFrom('/web-connector');
    const r = await client.post('/web-connector/unlock', { _csrf: csrf, username: 'qbwc-user' });
    expect(r.status).toBe(303);
    expect(currentLocks(d.ctx.db, new Date(), defaultLockoutPolicy, 'qbwc-user')).toHaveLength(0);
    expect(await client.request('/web-connector').then((x) => x.text())).not.toContain(
      'data-lockout="qbwc-user"',
    );
    expect(auditRows('dashboard.qbwc_unlock')).toContainEqual({
      actor: 'user:alex',
      outcome: 'success',
      target: 'qbwc-user',
    });
  });

  it('mapping forms show what is wrong next to the field, and the test box names the winning mapping', async () => {
    const client = await loggedIn();
    const csrf = await client.csrfFrom('/web-connector');
    const bad = await client.post('/web-connector/mappings', {
      _csrf: csrf,
      priority: 'high',
      match_type: 'contains',
      qb_account_pattern: '',
      qbr_metric_key: 'other_expenses',
    });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toMatch(/id="new-priority"[^>]*aria-invalid="true"/);
    expect(html).toMatch(/id="new-priority-error"[^>]*>A whole number/);
    expect(html).toMatch(/id="new-qb_account_pattern-error"[^>]*>Enter a pattern/);
    const good = await client.post('/web-connector/mappings', {
      _csrf: csrf,
      priority: '900',
      match_type: 'exact',
      qb_account_pattern: 'Expenses:Coffee',
      qbr_metric_key: 'employee_expense',
      is_active: 'on',
    });
    expect(good.status).toBe(303);
    const tested = await client
      .request(`/web-connector?account=${encodeURIComponent('Expenses:Coffee')}&kind=expense`)
      .then((r) => r.text());
    expect(tested).toMatch(
      /Mapping \d+ wins: exact &quot;Expenses:Coffee&quot;[^<]*<strong>employee_expense<\/strong>/,
    );
  });
});

describe('Audit log page', { timeout: 60_000 }, () => {
  it('filters by outcome and reports a bad date next to its field', async () => {
    const client = await loggedIn();
    const denied = await client.request('/audit?outcome=denied').then((r) => r.text());
    expect(denied).toContain('badge bad">denied');
    expect(denied).not.toContain('badge ok">success');
    const badDate = await client.request('/audit?from=yesterday').then((r) => r.text());
    expect(badDate).toMatch(/id="e-from"[^>]*>Use a date like/);
    const byActor = await client.request('/audit?actor=alex&action=api_token').then((r) => r.text());
    expect(byActor).toContain('api_token.create');
    expect(byActor).not.toContain('dashboard.login<');
  });
});
