import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { FailedAuthThrottle } from '../../gateway/src/auth/failed-auth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { createApp } from '../../gateway/src/server/app';
import { listeningMessage } from '../../gateway/src/server/commands';
import { ListenError, type RunningServer, startServer } from '../../gateway/src/server/serve';
import { auditLimits } from '../../gateway/src/store/audit';
import { version } from '../../gateway/src/version';
import { testContext } from '../helpers/context';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop(1000);
});

async function serveOn(ctx: AppContext, host = '127.0.0.1'): Promise<RunningServer> {
  const running = await startServer(ctx, 0, host);
  servers.push(running);
  return running;
}

describe('security headers on every response', () => {
  it('sends nosniff, a CSP without scripts or framing, and no-store on financial JSON', async () => {
    const ctx = testContext();
    const { token } = createApiToken(ctx.db, 'reader');
    const app = createApp(ctx);
    const auth = { Authorization: `Bearer ${token}` };
    const answers = {
      status: await app.request('/api/qbwc/status', { headers: auth }),
      metrics: await app.request('/api/qbwc/metrics?from=2026-01&to=2026-02', { headers: auth }),
      denied: await app.request('/api/qbwc/status'),
      missing: await app.request('/api/none'),
      health: await app.request('/healthz'),
      wsdl: await app.request('/api/qbwc?wsdl'),
      callback: await app.request('/qbo/callback?state=x&code=y&realmId=1'),
    };
    for (const [name, response] of Object.entries(answers)) {
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), name).toBe('DENY');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, name).toContain("default-src 'none'");
      expect(csp, name).toContain("frame-ancestors 'none'");
      expect(csp, name).not.toContain('script-src');
      expect(response.headers.get('referrer-policy'), name).toBe('no-referrer');
    }
    expect(answers.status.status).toBe(200);
    for (const name of ['status', 'metrics', 'denied', 'missing', 'health'] as const) {
      expect(answers[name].headers.get('cache-control'), name).toBe('no-store');
    }
  });
});

describe('/healthz exposure', () => {
  function connectedContext() {
    const ctx = testContext({ QBO_ENVIRONMENT: 'emulator' });
    const vault = createTokenVault(ctx);
    vault.saveFromCodeExchange(
      '9130357000000042',
      {
        accessToken: 'at',
        refreshToken: 'rt',
        expiresInSec: 3600,
        refreshExpiresInSec: 86_400,
        hardExpiresInSec: null,
      },
      { actor: 'test', companyName: 'Secret Books LLC' },
    );
    return ctx;
  }

  it('tells an anonymous caller only ok/degraded and the version', async () => {
    const ctx = connectedContext();
    const { token } = createApiToken(ctx.db, 'monitor');
    const full = await (
      await createApp(ctx).request('/healthz', { headers: { Authorization: `Bearer ${token}` } })
    ).text();
    expect(full).toContain('Secret Books LLC');
    const app = createApp(ctx);
    for (const headers of [{}, { Authorization: 'Bearer qbb_forged' }] as Record<string, string>[]) {
      const response = await app.request('/healthz', { headers });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ status: expect.stringMatching(/^(ok|degraded)$/), version });
      expect(text).not.toContain('9130357000000042');
      expect(text).not.toContain('Secret Books');
    }
    // Asking for health is not an attack: no audit rows for a missing or wrong token here.
    expect(ctx.audit.recent({ action: 'api.auth' })).toHaveLength(0);
  });

  it('shows store, integrations and connections to a caller with a token', async () => {
    const ctx = testContext({ QBO_ENVIRONMENT: 'emulator' });
    const { token } = createApiToken(ctx.db, 'monitor');
    const response = await createApp(ctx).request('/healthz', {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'ok',
      version,
      store: { ok: true },
      integrations: { qbo: true, qbwc: false },
      qbo: { connections: [] },
    });
  });

  it('counts the Web Connector as set up once its password is stored (as the demo does)', async () => {
    const ctx = testContext();
    const { token } = createApiToken(ctx.db, 'monitor');
    const app = createApp(ctx);
    const integrations = async () =>
      (
        (await (await app.request('/healthz', { headers: { Authorization: `Bearer ${token}` } })).json()) as {
          integrations: Record<string, boolean>;
        }
      ).integrations;
    expect((await integrations()).qbwc).toBe(false);
    saveCredentials(ctx.db, 'qb-bridge', await hashPassword('pw-for-test', { N: 2 ** 10, r: 8, p: 1 }));
    expect((await integrations()).qbwc).toBe(true);
  });
});

describe('addresses and hosts the caller controls', () => {
  it('keeps a forged X-Forwarded-For out of the Web Connector REST audit when TRUST_PROXY=0', async () => {
    const ctx = testContext();
    const { token } = createApiToken(ctx.db, 'reader');
    const running = await serveOn(ctx);
    const response = await fetch(`${running.url}/api/qbwc/status`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '198.51.100.66' },
    });
    expect(response.status).toBe(200);
    const rows = ctx.db.prepare('SELECT ip_address FROM qbr_audit_log').pluck().all();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).not.toContain('198.51.100.66');
  });

  it('passes on only the address our own proxy appended when TRUST_PROXY=1', async () => {
    const ctx = testContext({ TRUST_PROXY: '1' });
    const { token } = createApiToken(ctx.db, 'reader');
    const running = await serveOn(ctx);
    await fetch(`${running.url}/api/qbwc/status`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '10.6.6.6, 203.0.113.9' },
    });
    const rows = ctx.db.prepare('SELECT ip_address FROM qbr_audit_log').pluck().all();
    expect(rows).toContain('203.0.113.9');
    expect(rows).not.toContain('10.6.6.6');
  });

  it('never echoes the Host header into the WSDL when PUBLIC_URL is unset', async () => {
    const ctx = testContext();
    const running = await serveOn(ctx);
    const wsdl = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(running.port, '127.0.0.1', () => {
        socket.write('GET /api/qbwc?wsdl HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
      });
      let text = '';
      socket.on('data', (d) => (text += String(d)));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(wsdl).not.toContain('evil.example');
    expect(wsdl).toContain(`<soap:address location="http://localhost:${running.port}/api/qbwc" />`);
  });
});

describe('anonymous requests cannot grow the store', () => {
  it('writes one audit row per address per minute for 100 forged tokens with 8 KB paths', async () => {
    const ctx = testContext();
    const running = await serveOn(ctx);
    const longPath = `/api/qbwc/status/${'a'.repeat(8 * 1024)}`;
    const before = ctx.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number;
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${running.url}/api/qbwc/status`, {
        headers: { Authorization: `Bearer qbb_forged_${i}` },
      });
      expect(response.status).toBe(401);
      await response.arrayBuffer();
    }
    await (
      await fetch(`${running.url}${longPath}`, { headers: { Authorization: 'Bearer x' } })
    ).arrayBuffer();
    const rows = ctx.audit.recent({ action: 'api.auth', limit: 1000 });
    expect(rows.length).toBe(1);
    expect(rows.length + before).toBeLessThan(before + 2);
  });

  it('counts suppressed failures into the next row and bounds its memory', () => {
    let now = 0;
    const throttle = new FailedAuthThrottle(60_000, 3, () => now);
    expect(throttle.admit('a')).toEqual({ suppressed: 0 });
    for (let i = 0; i < 41; i++) expect(throttle.admit('a')).toBeUndefined();
    expect(throttle.admit('b')).toEqual({ suppressed: 0 });
    now = 60_000;
    expect(throttle.admit('a')).toEqual({ suppressed: 41, since: new Date(0).toISOString() });
    throttle.admit('c');
    throttle.admit('d');
    expect(throttle.trackedAddresses).toBe(3);
  });

  it('truncates what one row stores', () => {
    const ctx = testContext();
    ctx.audit.record({
      actor: 'x'.repeat(10_000),
      action: 'api.auth',
      target: `GET /${'p'.repeat(8_192)}`,
      outcome: 'denied',
      details: { reason: 'r'.repeat(10_000), many: Array.from({ length: 500 }, (_, i) => `item ${i}`) },
    });
    const row = ctx.db.prepare('SELECT actor, target, details FROM audit_log').get() as Record<
      string,
      string
    >;
    expect(row.actor!.length).toBeLessThan(auditLimits.actorChars + 50);
    expect(row.target!.length).toBeLessThan(auditLimits.targetChars + 50);
    expect(row.target).toMatch(/more characters\)$/);
    expect(row.details!.length).toBeLessThanOrEqual(auditLimits.detailsChars);
    expect(JSON.parse(row.details!)).toMatchObject({ truncated: true });
  });

  it('prunes audit rows past the retention setting', () => {
    const ctx = testContext({ AUDIT_RETENTION_DAYS: '30' });
    const insert = ctx.db.prepare(
      `INSERT INTO audit_log (at, actor, action, outcome) VALUES (?, 'a', 'x', 'success')`,
    );
    insert.run('2026-01-01T00:00:00.000Z');
    insert.run('2026-02-20T00:00:00.000Z');
    expect(ctx.config.AUDIT_RETENTION_DAYS).toBe(30);
    expect(ctx.audit.prune(ctx.config.AUDIT_RETENTION_DAYS, new Date('2026-03-01T00:00:00Z'))).toBe(1);
    expect(ctx.db.prepare('SELECT at FROM audit_log').pluck().all()).toEqual(['2026-02-20T00:00:00.000Z']);
  });
});

describe('what serve binds', () => {
  it('says every interface when it listens on 0.0.0.0, and the address itself otherwise', async () => {
    const all = await serveOn(testContext(), '0.0.0.0');
    expect(all.host).toBe('0.0.0.0');
    expect(listeningMessage(all)).toMatch(
      /^qb-bridge listening on every interface \(0\.0\.0\.0\) port \d+; from this machine: http:\/\/127\.0\.0\.1:\d+\. Use --host 127\.0\.0\.1/,
    );
    const local = await serveOn(testContext());
    expect(listeningMessage(local)).toBe(`qb-bridge listening on ${local.url} (only this address)`);
  });

  it('answers a port in use with one sentence and a --port hint', async () => {
    const first = await serveOn(testContext());
    const error = await startServer(testContext(), first.port, '127.0.0.1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenError);
    expect((error as Error).message).toBe(
      `Port ${first.port} is already in use on 127.0.0.1 (another qb-bridge or program holds it); stop that program or choose another port with --port ${first.port + 1} (or PORT=${first.port + 1})`,
    );
  });
});

describe('a page that needs its own policy', () => {
  it('keeps a Content-Security-Policy its route set, and still adds the rest', async () => {
    const ctx = testContext();
    const app = createApp(ctx, {
      modules: [
        {
          name: 'page',
          register: (a) =>
            a.get('/page', (c) => {
              c.header('Content-Security-Policy', "default-src 'self'; script-src 'self'");
              return c.html('<p>hi</p>');
            }),
        },
      ],
    });
    const response = await app.request('/page');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'self'; script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
