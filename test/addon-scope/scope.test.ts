import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../gateway/src/auth/addon/hmac';
import { addonRouteFor, addonRoutes } from '../../gateway/src/auth/addon/scope';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { type SheetsGateway, startSheetsGateway } from '../sheets/helpers';

/**
 * The add-on's credentials reach exactly the endpoints in `auth/addon/scope.ts`: every other route the
 * gateway registers — read from the app itself, so a route added later is covered without touching this
 * test — answers 403 to a signed request and to a Google ID token alike, and every call is audited.
 */
const audience = 'addon-scope.apps.googleusercontent.com';
let jwks: http.Server;
let gw: SheetsGateway;
let idToken: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'g1', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  gw = await startSheetsGateway({
    ADDON_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`,
    ADDON_AUDIENCE: audience,
    ADDON_ALLOWED_EMAILS: 'books@example.com',
  });
  idToken = await new SignJWT({ email: 'books@example.com', email_verified: true })
    .setProtectedHeader({ alg: 'RS256', kid: 'g1' })
    .setIssuer('https://accounts.google.com')
    .setAudience(audience)
    .setSubject('42')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(pair.privateKey);
}, 60_000);

afterAll(async () => {
  await gw.close();
  await new Promise((resolve) => jwks.close(resolve));
});

/** A concrete URL for a registered route pattern. */
function concrete(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '*') out += 'x';
    else if (pattern[i] !== ':') out += pattern[i];
    else {
      out += '1';
      while (i + 1 < pattern.length && /\w/.test(pattern[i + 1]!)) i++;
      // a constraint such as {[0-9]{1,12}}: skip it, braces balanced
      for (let depth = 0; i + 1 < pattern.length && (depth > 0 || pattern[i + 1] === '{'); ) {
        i++;
        if (pattern[i] === '{') depth++;
        else if (pattern[i] === '}') depth--;
      }
    }
  }
  return out;
}

function registered(): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  return gw.app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, path: concrete(r.path) }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

const body = (method: string) => (method === 'GET' || method === 'HEAD' ? undefined : '{}');

async function withHmac(method: string, path: string): Promise<Response> {
  const text = body(method);
  return gw.app.request(`http://127.0.0.1${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...signRequest(gw.key, { method, path, body: text ?? '' }),
    },
    ...(text === undefined ? {} : { body: text }),
  });
}

async function withIdToken(method: string, path: string): Promise<Response> {
  const text = body(method);
  return gw.app.request(`http://127.0.0.1${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
    ...(text === undefined ? {} : { body: text }),
  });
}

describe('the add-on credential scope', () => {
  it('refuses every registered endpoint outside the list with 403, for a key and for an ID token', async () => {
    // /healthz is answered before any guard: anyone may ask whether the gateway is up (no company data).
    const outside = registered().filter((r) => !addonRouteFor(r.method, r.path) && r.path !== '/healthz');
    // The admin surface is really there to be refused: tokens, users, mappings, QuickBooks connection.
    const paths = outside.map((r) => `${r.method} ${r.path}`);
    for (const expected of ['POST /qbo/disconnect', 'GET /api/jobs', 'PUT /api/qbwc/mappings/1'])
      expect(paths).toContain(expected);
    expect(outside.length).toBeGreaterThan(20);
    for (const r of outside) {
      for (const send of [withHmac, withIdToken]) {
        const res = await send(r.method, r.path);
        expect(res.status, `${send.name} ${r.method} ${r.path}`).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      }
    }
  });

  it('lets the listed endpoints through (never 401/403) and every entry of the list is a real route', async () => {
    const routes = registered();
    for (const allowed of addonRoutes) {
      const path = concrete(allowed.path);
      expect(
        routes.some((r) => r.method === allowed.method && r.path === path),
        `${allowed.method} ${allowed.path} is registered`,
      ).toBe(true);
    }
    for (const path of [
      '/api/sheets/status',
      '/api/qbwc/metrics?from=2025-01&to=2025-02',
      '/api/qbo/items',
    ]) {
      const res = await withIdToken('GET', path);
      expect(res.status, path).toBe(200);
    }
    const res = await withHmac('GET', '/api/qbo/customers');
    expect(res.status).toBe(200);
    const names = ((await res.json()) as { data: Array<{ name: string }> }).data.map((c) => c.name);
    expect(names).toContain('Cool Cars');
  });

  it("reads only its own jobs, and audits every call with the add-on user's email", async () => {
    const other = gw.h.ctx.jobs.start({ flow: 'mis', startedBy: 'api:nightly-cron' });
    gw.h.ctx.jobs.finish(other.id, {});
    const mine = gw.h.ctx.jobs.start({ flow: 'mis', startedBy: 'api:addon:books@example.com' });
    gw.h.ctx.jobs.finish(mine.id, {});
    expect((await withIdToken('GET', `/api/jobs/${other.id}`)).status).toBe(403);
    expect((await withIdToken('GET', `/api/jobs/${mine.id}`)).status).toBe(200);
    // A person with an API token still reads every job.
    const { token } = createApiToken(gw.h.ctx.db, 'scope-test');
    const res = await gw.app.request(`http://127.0.0.1/api/jobs/${other.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const rows = gw.h.ctx.db
      .prepare("SELECT actor, target, outcome FROM audit_log WHERE action = 'addon.call' ORDER BY id")
      .all() as Array<{ actor: string; target: string; outcome: string }>;
    expect(rows).toContainEqual({
      actor: 'addon:books@example.com',
      target: `GET /api/jobs/${other.id}`,
      outcome: 'denied',
    });
    expect(rows).toContainEqual({
      actor: 'addon:books@example.com',
      target: `GET /api/jobs/${mine.id}`,
      outcome: 'success',
    });
    expect(rows.some((r) => r.actor.startsWith('addon-key:') && r.target === 'POST /qbo/disconnect')).toBe(
      true,
    );
  });
});
