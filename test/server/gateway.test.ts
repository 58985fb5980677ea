import type { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { requireAuth } from '../../gateway/src/auth/middleware';
import { createApp } from '../../gateway/src/server/app';
import type { AppEnv } from '../../gateway/src/server/env';
import { badRequest } from '../../gateway/src/server/errors';
import type { RouteModule } from '../../gateway/src/server/routes';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';
import { schemaVersion } from '../../gateway/src/store/migrations';
import { version } from '../../gateway/src/version';
import { successEnvelope } from '../../shared/src/envelope';
import { capturingLogger, testContext } from '../helpers/context';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop(1000);
  running = undefined;
});

async function start(ctx: AppContext): Promise<string> {
  running = await startServer(ctx, 0, '127.0.0.1');
  return running.url;
}

describe('/healthz over real HTTP', () => {
  it('reports version, uptime, store status and configured integrations to a token holder', async () => {
    const ctx = testContext({ QBO_ENVIRONMENT: 'emulator', ZIMBRA_HOST: 'mail.example.com' });
    const { token } = createApiToken(ctx.db, 'monitor');
    const url = await start(ctx);
    const startedBefore = Math.ceil(process.uptime());
    const response = await fetch(`${url}/healthz`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { uptimeSeconds: number };
    expect(body).toEqual({
      status: 'ok',
      version,
      uptimeSeconds: expect.any(Number),
      store: { ok: true, schemaVersion: schemaVersion(ctx.db) },
      integrations: { qbo: true, sheets: false, zimbra: false, mis: false, qbwc: false },
      qbo: { connections: [] },
    });
    expect(Number.isInteger(body.uptimeSeconds)).toBe(true);
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.uptimeSeconds).toBeLessThanOrEqual(startedBefore + 1);
  });

  it('answers 503 and degraded when the store is unreadable', async () => {
    const ctx = testContext();
    const app = createApp(ctx, { modules: [] });
    ctx.db.close();
    const response = await app.request('/healthz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'degraded', version });
  });

  it('answers unknown paths with the JSON error envelope', async () => {
    const url = await start(testContext());
    const response = await fetch(`${url}/api/nothing-here`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { timestamp: string };
    expect(body).toMatchObject({
      success: false,
      error: { code: 'not_found', requestId: response.headers.get('x-request-id') },
      message: expect.stringContaining('/api/nothing-here'),
    });
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });
});

/** A module shaped like a flow's routes, to exercise the shared middleware end to end. */
function probeModule(): RouteModule {
  return {
    name: 'probe',
    register(app: Hono<AppEnv>) {
      app.get('/api/probe/secure', requireAuth, (c) =>
        c.json(successEnvelope({ who: c.get('principal')?.name })),
      );
      app.post('/api/probe/echo', async (c) => {
        const body = await c.req.json<{ n?: unknown }>();
        if (typeof body.n !== 'number') throw badRequest('n must be a number, e.g. {"n": 3}');
        return c.json(successEnvelope({ n: body.n }));
      });
      app.get('/api/probe/boom', () => {
        throw new Error('database exploded with token=abc123');
      });
      app.get('/api/probe/slow', async (c) => {
        await new Promise((r) => setTimeout(r, 400));
        return c.json(successEnvelope({ slow: true }));
      });
    },
  };
}

describe('shared middleware', () => {
  it('requires an API token on protected routes and accepts a valid one', async () => {
    const ctx = testContext();
    const { token } = createApiToken(ctx.db, 'test client');
    const app = createApp(ctx, { modules: [probeModule()] });
    const denied = await app.request('/api/probe/secure');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('Bearer');
    expect(await denied.json()).toMatchObject({ success: false, error: { code: 'unauthorized' } });
    const wrong = await app.request('/api/probe/secure', { headers: { Authorization: 'Bearer qbb_wrong' } });
    expect(wrong.status).toBe(401);
    const ok = await app.request('/api/probe/secure', { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ success: true, data: { who: 'test client' } });
    // One row per address per minute: the second failure is counted, not written.
    const audit = ctx.audit.recent({ action: 'api.auth' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'anonymous',
      target: 'GET /api/probe/secure',
      outcome: 'denied',
      details: { reason: 'no bearer token' },
    });
    expect(JSON.stringify(audit)).not.toContain('qbb_wrong');
  });

  it('turns user errors into 400 envelopes and hides internal errors behind a request id', async () => {
    const capture = capturingLogger();
    const ctx = testContext({}, capture.log);
    const app = createApp(ctx, { modules: [probeModule()] });
    const bad = await app.request('/api/probe/echo', { method: 'POST', body: JSON.stringify({ n: 'x' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ message: 'n must be a number, e.g. {"n": 3}' });
    const boom = await app.request('/api/probe/boom');
    expect(boom.status).toBe(500);
    const body = (await boom.json()) as { message: string; error: { requestId: string } };
    expect(body.message).not.toContain('database exploded');
    expect(body.error.requestId).toBe(boom.headers.get('x-request-id'));
    expect(capture.text()).toContain('database exploded');
    expect(capture.text()).not.toContain('abc123');
  });

  it('rejects bodies over the limit with 413', async () => {
    const app = createApp(testContext(), { modules: [probeModule()] });
    const huge = JSON.stringify({ n: 1, pad: 'x'.repeat(1024 * 1024 + 10) });
    const response = await app.request('/api/probe/echo', {
      method: 'POST',
      body: huge,
      headers: { 'content-length': String(huge.length) },
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request, refuses new connections and closes the store', async () => {
    const ctx = testContext();
    const server = await startServer(ctx, 0, '127.0.0.1', { modules: [probeModule()] });
    const inFlight = fetch(`${server.url}/api/probe/slow`);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = server.stop(5000);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { slow: true } });
    await stopping;
    expect(ctx.db.open).toBe(false);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
