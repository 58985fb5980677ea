import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { clientAddress } from '../../gateway/src/server/client-address';
import type { AppEnv } from '../../gateway/src/server/env';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';
import { testContext } from '../helpers/context';

function probe(ctx: AppContext) {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('ctx', ctx);
    await next();
  });
  app.get('/who', (c) => c.text(clientAddress(c) ?? 'unknown'));
  return app;
}

describe('client address behind reverse proxies', () => {
  it('ignores X-Forwarded-For unless proxies are trusted', async () => {
    const app = probe(testContext());
    const response = await app.request('/who', { headers: { 'X-Forwarded-For': '198.51.100.7' } });
    expect(await response.text()).toBe('unknown');
  });

  it('takes the entry our own proxy appended, not one the client forged', async () => {
    const headers = { 'X-Forwarded-For': '10.9.9.9, 203.0.113.9' };
    const one = probe(testContext({ TRUST_PROXY: '1' }));
    expect(await (await one.request('/who', { headers })).text()).toBe('203.0.113.9');
    const two = probe(testContext({ TRUST_PROXY: '2' }));
    expect(await (await two.request('/who', { headers })).text()).toBe('10.9.9.9');
  });

  it('uses the socket address of a direct connection', async () => {
    const ctx = testContext();
    let server: RunningServer | undefined;
    try {
      server = await startServer(ctx, 0, '127.0.0.1', {
        modules: [
          { name: 'who', register: (app) => app.get('/who', (c) => c.text(clientAddress(c) ?? 'unknown')) },
        ],
      });
      const response = await fetch(`${server.url}/who`, { headers: { 'X-Forwarded-For': '198.51.100.7' } });
      expect(await response.text()).toBe('127.0.0.1');
    } finally {
      await server?.stop(1000);
    }
  });
});
