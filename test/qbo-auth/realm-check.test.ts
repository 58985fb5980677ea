import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { listTokenRows } from '../../gateway/src/qbo/oauth/token-store';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';
import { freePort, openTestContext, type RunningTestEmulator, startEmulator, tempDataDir } from './helpers';

let qbo: RunningTestEmulator;
let ctx: AppContext;
let gateway: RunningServer;
let bearer: string;

beforeAll(async () => {
  qbo = await startEmulator();
  const port = await freePort();
  ctx = openTestContext(tempDataDir(), {
    ...qbo.overrideEnv,
    QBO_REDIRECT_URI: `http://127.0.0.1:${port}/qbo/callback`,
  });
  gateway = await startServer(ctx, port, '127.0.0.1');
  bearer = createApiToken(ctx.db, 'realm test').token;
});
afterAll(async () => {
  await gateway.stop(100);
  await qbo.close();
});

/** A callback with a valid state and a fresh single-use code, as Intuit would send the browser back. */
async function approvedCallback(): Promise<URL> {
  const start = await fetch(`${gateway.url}/qbo/connect`, {
    headers: { Authorization: `Bearer ${bearer}` },
    redirect: 'manual',
  });
  const authorize = new URL(start.headers.get('location')!);
  authorize.searchParams.set('auto', '1');
  const consent = await fetch(authorize, { redirect: 'manual' });
  return new URL(consent.headers.get('location')!);
}

const realms = () => listTokenRows(ctx.db).map((row) => row.realm_id);

describe('the OAuth callback does not trust realmId', () => {
  it('refuses a realm the grant is not for (CompanyInfo 403) and stores nothing', async () => {
    const callback = await approvedCallback();
    expect(callback.searchParams.get('realmId')).toBe(qbo.emulator.realmId);
    callback.searchParams.set('realmId', '123456');
    const exchangesBefore = qbo.emulator.stats().codeExchanges;
    const response = await fetch(callback, { headers: { Accept: 'application/json' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string }; message: string };
    expect(body.error.code).toBe('realm_not_confirmed');
    expect(body.message).toContain(
      'QuickBooks did not confirm company 123456 for this connection (HTTP 403)',
    );
    expect(qbo.emulator.stats().codeExchanges - exchangesBefore).toBe(1);
    expect(realms()).not.toContain('123456');
    expect(ctx.audit.recent({ action: 'qbo.connect' })[0]).toMatchObject({
      target: '123456',
      outcome: 'failure',
      details: { code: 'realm_not_confirmed' },
    });
  });

  it('refuses a realmId that is not digits before spending the code', async () => {
    for (const hostile of ['<img src=x>', '9341453000000000 ', '12a', '']) {
      const callback = await approvedCallback();
      callback.searchParams.set('realmId', hostile);
      const exchangesBefore = qbo.emulator.stats().codeExchanges;
      const response = await fetch(callback);
      expect(response.status, hostile).toBe(400);
      const page = await response.text();
      expect(page).not.toContain('<img src=x>');
      expect(qbo.emulator.stats().codeExchanges - exchangesBefore).toBe(0);
    }
    expect(realms().every((realm) => /^\d+$/.test(realm))).toBe(true);
  });

  it('still connects the real company, so default company selection keeps working', async () => {
    const response = await fetch(await approvedCallback(), { headers: { Accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(realms()).toEqual([qbo.emulator.realmId]);
    expect(createTokenVault(ctx).defaultRealm()).toBe(qbo.emulator.realmId);
    expect(createTokenVault(ctx).connection(qbo.emulator.realmId)).toMatchObject({
      companyName: 'Sandbox Company_US_1',
      status: 'connected',
    });
  });
});
