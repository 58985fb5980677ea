import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { connectDemoCompany } from '../../gateway/src/qbo/oauth/demo-connect';
import { readTokenRow } from '../../gateway/src/qbo/oauth/token-store';
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
  bearer = createApiToken(ctx.db, 'qbo-auth test').token;
});
afterAll(async () => {
  await gateway.stop(100);
  await qbo.close();
});

const exchanges = () => qbo.emulator.stats().codeExchanges;

/** /qbo/connect, then the emulator's consent (auto-approve): the callback URL Intuit would send us to. */
async function approvedCallbackUrl(): Promise<string> {
  const start = await fetch(`${gateway.url}/qbo/connect`, {
    headers: { Authorization: `Bearer ${bearer}` },
    redirect: 'manual',
  });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  authorize.searchParams.set('auto', '1');
  const consent = await fetch(authorize, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  return consent.headers.get('location')!;
}

async function health(): Promise<{ status: string; qbo: { connections: Array<Record<string, unknown>> } }> {
  const headers = { Authorization: `Bearer ${bearer}` };
  return (await (await fetch(`${gateway.url}/healthz`, { headers })).json()) as never;
}

describe('connecting over HTTP with every Intuit host overridden', () => {
  it('sends /qbo/connect to the authorize URL with the accounting scope and a state', async () => {
    const start = await fetch(`${gateway.url}/qbo/connect`, {
      headers: { Authorization: `Bearer ${bearer}` },
      redirect: 'manual',
    });
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${qbo.url}/connect/oauth2`);
    expect(location.searchParams.get('scope')).toBe('com.intuit.quickbooks.accounting');
    expect(location.searchParams.get('client_id')).toBe(qbo.emulator.clientId);
    expect(location.searchParams.get('redirect_uri')).toBe(`${gateway.url}/qbo/callback`);
    expect(location.searchParams.get('state')).toMatch(/^[\w-]{32}$/);
  });

  it('refuses /qbo/connect without an API token', async () => {
    const response = await fetch(`${gateway.url}/qbo/connect`, { redirect: 'manual' });
    expect(response.status).toBe(401);
  });

  it('connects the demo company through the real redirects and says which company it is', async () => {
    const before = exchanges();
    const company = await connectDemoCompany(gateway.url, bearer);
    expect(company).toEqual({ realmId: qbo.emulator.realmId, companyName: 'Sandbox Company_US_1' });
    expect(exchanges() - before).toBe(1);
    const report = await health();
    expect(report.qbo.connections).toContainEqual(
      expect.objectContaining({ realmId: qbo.emulator.realmId, status: 'connected', warnings: [] }),
    );
    expect(ctx.audit.recent({ action: 'qbo.connect' })[0]).toMatchObject({ outcome: 'success' });
  });

  it('stores the tokens encrypted: the raw row holds neither token', async () => {
    await connectDemoCompany(gateway.url, bearer);
    const row = readTokenRow(ctx.db, qbo.emulator.realmId)!;
    const access = ctx.secrets.decrypt(row.access_token_enc!);
    const refresh = ctx.secrets.decrypt(row.refresh_token_enc!);
    const raw = JSON.stringify(ctx.db.prepare('SELECT * FROM qbo_tokens').all());
    expect(access.length).toBeGreaterThan(20);
    expect(raw).not.toContain(access);
    expect(raw).not.toContain(refresh);
  });

  it('shows a page naming the company and exchanges the code exactly once, even when replayed', async () => {
    const callback = await approvedCallbackUrl();
    const before = exchanges();
    const first = await fetch(callback);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Connected to Sandbox Company_US_1 (realm 9341453000000000)');
    const replay = await fetch(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already completed once');
    expect(exchanges() - before).toBe(1);
  });

  it('rejects a callback whose state it never issued, without spending the code', async () => {
    const callback = new URL(await approvedCallbackUrl());
    callback.searchParams.set('state', 'forged-state-value');
    const before = exchanges();
    const response = await fetch(callback);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('does not match any connection this qb-bridge started');
    expect(exchanges() - before).toBe(0);
  });

  it("explains Intuit's access_denied instead of failing obscurely", async () => {
    const callback = new URL(await approvedCallbackUrl());
    const denied = new URL(`${gateway.url}/qbo/callback`);
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('state', callback.searchParams.get('state')!);
    const response = await fetch(denied);
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('QuickBooks connection cancelled');
    expect(page).toContain('not approved at Intuit');
  });

  it('shows "reconnect needed" in /healthz after Intuit answers invalid_grant', async () => {
    await connectDemoCompany(gateway.url, bearer);
    const vault = createTokenVault(ctx);
    const row = readTokenRow(ctx.db, qbo.emulator.realmId)!;
    const access = ctx.secrets.decrypt(row.access_token_enc!);
    qbo.emulator.revokeRefreshToken(ctx.secrets.decrypt(row.refresh_token_enc!));
    await expect(vault.refreshAfterRejection(qbo.emulator.realmId, access)).rejects.toThrow(
      /must be reconnected/,
    );
    const report = await health();
    expect(report.status).toBe('degraded');
    expect(report.qbo.connections).toContainEqual(
      expect.objectContaining({ realmId: qbo.emulator.realmId, status: 'reconnect_needed' }),
    );
    // Connecting again clears it.
    await connectDemoCompany(gateway.url, bearer);
    expect((await health()).status).toBe('ok');
  });

  it('disconnect revokes at Intuit and forgets the tokens', async () => {
    await connectDemoCompany(gateway.url, bearer);
    const row = readTokenRow(ctx.db, qbo.emulator.realmId)!;
    const access = ctx.secrets.decrypt(row.access_token_enc!);
    const apiUrl = `${qbo.url}/v3/company/${qbo.emulator.realmId}/companyinfo/1?minorversion=75`;
    const auth = { headers: { Authorization: `Bearer ${access}`, Accept: 'application/json' } };
    expect((await fetch(apiUrl, auth)).status).toBe(200);

    const response = await fetch(`${gateway.url}/qbo/disconnect`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ realmId: qbo.emulator.realmId }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      success: true,
      data: { realmId: qbo.emulator.realmId, revoked: true },
    });
    expect((await fetch(apiUrl, auth)).status).toBe(401);
    const after = readTokenRow(ctx.db, qbo.emulator.realmId)!;
    expect(after).toMatchObject({ status: 'disconnected', access_token_enc: null, refresh_token_enc: null });
    expect(ctx.audit.recent({ action: 'qbo.disconnect' })[0]).toMatchObject({ outcome: 'success' });

    const again = await fetch(`${gateway.url}/qbo/disconnect`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ realmId: qbo.emulator.realmId }),
    });
    expect(again.status).toBe(404);
  });
});
