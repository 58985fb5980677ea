import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { connectDemoCompany } from '../../gateway/src/qbo/oauth/demo-connect';
import { readTokenRow } from '../../gateway/src/qbo/oauth/token-store';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';
import { runCliAsync } from '../helpers/cli';
import { freePort, openTestContext, type RunningTestEmulator, startEmulator, tempDataDir } from './helpers';

const day = 86_400_000;
const fiveYears = 5 * 365 * day;
let qbo: RunningTestEmulator;
let ctx: AppContext;
let gateway: RunningServer;
let dataDir: string;

beforeAll(async () => {
  qbo = await startEmulator();
  const port = await freePort();
  dataDir = tempDataDir();
  ctx = openTestContext(dataDir, {
    ...qbo.overrideEnv,
    QBO_REDIRECT_URI: `http://127.0.0.1:${port}/qbo/callback`,
  });
  gateway = await startServer(ctx, port, '127.0.0.1');
});
afterAll(async () => {
  await gateway.stop(100);
  ctx.close();
  await qbo.close();
});

describe("the refresh token's hard expiry (x_refresh_token_hard_expires_in)", () => {
  it('is stored by the real code exchange and kept by the real refresh', async () => {
    // /qbo/connect → the emulator's consent page (auto-approve) → /qbo/callback, as a browser follows them.
    const bearer = createApiToken(ctx.db, 'hard-expiry test').token;
    const connectedAt = Date.now();
    await connectDemoCompany(gateway.url, bearer);
    const realm = qbo.emulator.realmId;
    const stored = readTokenRow(ctx.db, realm)!.refresh_hard_expires_at_ms!;
    expect(stored).toBeGreaterThanOrEqual(connectedAt + fiveYears - 60_000);
    expect(stored).toBeLessThanOrEqual(Date.now() + fiveYears + 60_000);

    // An hour later the access token has expired: the vault refreshes at the emulator's token endpoint.
    const later = Date.now() + 61 * 60_000;
    const refreshesBefore = qbo.emulator.stats().tokenRefreshes;
    await createTokenVault(ctx, { now: () => later }).accessToken(realm);
    expect(qbo.emulator.stats().tokenRefreshes - refreshesBefore).toBe(1);
    const afterRefresh = readTokenRow(ctx.db, realm)!.refresh_hard_expires_at_ms!;
    // Intuit counts down from the first grant; a refresh must not push the cap five years further out.
    // (The vault dates the answer with its own clock, which runs 61 minutes ahead in this test.)
    expect(Math.abs(afterRefresh - (stored + 61 * 60_000))).toBeLessThan(60_000);
  });

  it('test-connections warns when the hard expiry is within 30 days', async () => {
    const realm = qbo.emulator.realmId;
    if (!readTokenRow(ctx.db, realm)) {
      await connectDemoCompany(gateway.url, createApiToken(ctx.db, 'hard-expiry test 2').token);
    }
    // Five years have (nearly) passed: ten days of the cap are left.
    const hard = Date.now() + 10 * day - 60_000;
    ctx.db
      .prepare('UPDATE qbo_tokens SET refresh_hard_expires_at_ms = ? WHERE realm_id = ?')
      .run(hard, realm);
    const result = await runCliAsync(['test-connections'], {
      ...qbo.overrideEnv,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const date = new Date(hard).toISOString().slice(0, 10);
    expect(result.stdout).toContain(
      `warning: refresh token hard-expires on ${date} (in 10 days): reconnect before then`,
    );
  });
});
