import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createQboClient } from '../../gateway/src/qbo/http/client';
import { oauthSettings } from '../../gateway/src/qbo/oauth/oauth';
import { ReconnectRequiredError } from '../../gateway/src/qbo/oauth/token-source';
import { readTokenRow } from '../../gateway/src/qbo/oauth/token-store';
import { createTokenVault, TokenRefreshError } from '../../gateway/src/qbo/oauth/token-vault';
import {
  connectDirectly,
  openTestContext,
  type RunningTestEmulator,
  startEmulator,
  tempDataDir,
} from './helpers';

const minute = 60_000;
let qbo: RunningTestEmulator;
let outage: http.Server;
let outageUrl: string;
let tokenCalls = 0;
const opened: AppContext[] = [];

beforeAll(async () => {
  qbo = await startEmulator();
  // Intuit's token endpoint during an outage: every call answers 503.
  outage = http.createServer((req, res) => {
    tokenCalls += 1;
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
  });
  await new Promise<void>((resolve) => outage.listen(0, '127.0.0.1', resolve));
  outageUrl = `http://127.0.0.1:${(outage.address() as AddressInfo).port}/oauth2/v1/tokens/bearer`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => outage.close(() => resolve()));
  await qbo.close();
});
afterEach(() => {
  for (const ctx of opened.splice(0)) ctx.close();
});

function vaultDuringOutage(now: () => number = Date.now) {
  const ctx = openTestContext(tempDataDir(), qbo.overrideEnv);
  opened.push(ctx);
  const settings = oauthSettings(ctx.config, 'tokens');
  const vault = createTokenVault(ctx, {
    now,
    oauth: { ...settings, endpoints: { ...settings.endpoints, tokenUrl: outageUrl } },
  });
  const grant = connectDirectly(vault, qbo.emulator);
  return { ctx, vault, grant };
}

async function failure(work: Promise<unknown>): Promise<Error> {
  const outcome = await work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${String(outcome.value)}`);
  return outcome.error as Error;
}

describe('a 401 followed by a refresh that fails with 503', () => {
  it('does not hand back the rejected token and says it will retry, not reconnect', async () => {
    const { ctx, vault, grant } = vaultDuringOutage();
    const before = tokenCalls;
    const error = await failure(vault.refreshAfterRejection(qbo.emulator.realmId, grant.accessToken));
    expect(tokenCalls - before).toBe(1);
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error).not.toBeInstanceOf(ReconnectRequiredError);
    expect(error.message).toMatch(/HTTP 503/);
    expect(error.message).toMatch(/qb-bridge will try again on the next request$/);
    expect(error.message).not.toMatch(/reconnect/i);
    // The grant is still good: nothing marks the company as needing a person.
    const row = readTokenRow(ctx.db, qbo.emulator.realmId)!;
    expect(row.status).toBe('connected');
    expect(row.refreshing_owner).toBeNull();
    expect(ctx.audit.recent({ action: 'qbo.refresh' })[0]).toMatchObject({
      outcome: 'failure',
      details: { status: 503 },
    });
  });

  it('does not hand back the rejected token after joining a proactive refresh that kept it', async () => {
    let now = Date.now();
    const { vault, grant } = vaultDuringOutage(() => now);
    now += 57 * minute; // inside the refresh margin, but the token still has three minutes
    const proactive = vault.accessToken(qbo.emulator.realmId);
    const afterRejection = vault.refreshAfterRejection(qbo.emulator.realmId, grant.accessToken);
    // The proactive refresh failed but the token was still usable for it...
    expect(await proactive).toBe(grant.accessToken);
    // ...while the caller that saw it rejected must not get it back.
    const error = await failure(afterRejection);
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error.message).toMatch(/will try again/);
  });

  it('reaches an API caller as "will try again", not as "reconnect"', async () => {
    const { ctx, vault } = vaultDuringOutage();
    qbo.emulator.expireAccessTokens();
    const client = createQboClient(ctx, { realmId: qbo.emulator.realmId, tokens: vault });
    const error = await failure(client.companyInfo());
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error.message).toMatch(/will try again on the next request/);
    expect(error.message).not.toMatch(/must be reconnected|authorize-qbo/);
    expect(readTokenRow(ctx.db, qbo.emulator.realmId)!.status).toBe('connected');
  });
});
