import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { fetchCompanyName, oauthSettings } from '../../gateway/src/qbo/oauth/oauth';
import { ReconnectRequiredError } from '../../gateway/src/qbo/oauth/token-source';
import { readTokenRow } from '../../gateway/src/qbo/oauth/token-store';
import { createTokenVault, hashRefreshToken } from '../../gateway/src/qbo/oauth/token-vault';
import {
  capturingLogger,
  connectDirectly,
  openTestContext,
  type RunningTestEmulator,
  startEmulator,
  tempDataDir,
} from './helpers';

const minute = 60_000;
let qbo: RunningTestEmulator;
const opened: AppContext[] = [];

beforeAll(async () => {
  qbo = await startEmulator();
});
afterAll(async () => {
  await qbo.close();
});
afterEach(() => {
  for (const ctx of opened.splice(0)) ctx.close();
});

function ctxOn(dir = tempDataDir(), log?: Parameters<typeof openTestContext>[2]): AppContext {
  const ctx = openTestContext(dir, qbo.overrideEnv, log);
  opened.push(ctx);
  return ctx;
}

/** The emulator only answers a token it issued and has not expired: proof the token is the live one. */
async function worksAtQuickBooks(ctx: AppContext, token: string): Promise<boolean> {
  return (
    (await fetchCompanyName(oauthSettings(ctx.config, 'tokens'), qbo.emulator.realmId, token)) ===
    'Sandbox Company_US_1'
  );
}

const refreshes = () => qbo.emulator.stats().tokenRefreshes;

describe('company name read after connecting', () => {
  it('goes through the API client: logged with its intuit_tid, never with the token', async () => {
    const captured = capturingLogger();
    const ctx = ctxOn(tempDataDir(), captured.log);
    const grant = connectDirectly(createTokenVault(ctx), qbo.emulator);
    const name = await fetchCompanyName(
      oauthSettings(ctx.config, 'tokens'),
      qbo.emulator.realmId,
      grant.accessToken,
      ctx,
    );
    expect(name).toBe('Sandbox Company_US_1');
    const call = captured
      .text()
      .split('\n')
      .find((line) => line.includes('"read CompanyInfo"'));
    expect(call).toMatch(/"intuitTid":"1-[0-9a-f]+-[0-9a-f]+"/);
    expect(captured.text()).not.toContain(grant.accessToken);
    // A refused token means "name unknown", not a failed connection.
    expect(
      await fetchCompanyName(oauthSettings(ctx.config, 'tokens'), qbo.emulator.realmId, 'bogus', ctx),
    ).toBeUndefined();
  });
});

describe('token vault against the emulator', () => {
  it('refreshes proactively inside the margin and stores the rotated refresh token first', async () => {
    const ctx = ctxOn();
    let now = Date.now();
    const vault = createTokenVault(ctx, { now: () => now });
    const first = connectDirectly(vault, qbo.emulator);
    const before = refreshes();

    now += 50 * minute; // ten minutes left: outside the 5-minute margin
    expect(await vault.accessToken(qbo.emulator.realmId)).toBe(first.accessToken);
    expect(refreshes() - before).toBe(0);

    now += 6 * minute; // four minutes left: inside the margin
    const renewed = await vault.accessToken(qbo.emulator.realmId);
    expect(refreshes() - before).toBe(1);
    expect(renewed).not.toBe(first.accessToken);
    expect(await worksAtQuickBooks(ctx, renewed)).toBe(true);
    const row = readTokenRow(ctx.db, qbo.emulator.realmId)!;
    expect(row.refresh_token_hash).not.toBe(hashRefreshToken(first.refreshToken));
    expect(row.refresh_token_hash).toBe(hashRefreshToken(ctx.secrets.decrypt(row.refresh_token_enc!)));
    expect(row.access_expires_at_ms).toBeGreaterThan(now + 55 * minute);
  });

  it('answers 50 concurrent callers at expiry with exactly one refresh and one token', async () => {
    const ctx = ctxOn();
    let now = Date.now();
    const vault = createTokenVault(ctx, { now: () => now });
    const first = connectDirectly(vault, qbo.emulator);
    now += 61 * minute;
    const before = refreshes();
    const tokens = await Promise.all(
      Array.from({ length: 50 }, () => vault.accessToken(qbo.emulator.realmId)),
    );
    expect(refreshes() - before).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first.accessToken);
    expect(ctx.secrets.decrypt(readTokenRow(ctx.db, qbo.emulator.realmId)!.access_token_enc!)).toBe(
      tokens[0],
    );
    expect(await worksAtQuickBooks(ctx, tokens[0]!)).toBe(true);
  });

  it('lets only one of two vaults on separate connections refresh', async () => {
    const dir = tempDataDir();
    const a = ctxOn(dir);
    const b = ctxOn(dir);
    let now = Date.now();
    const vaultA = createTokenVault(a, { now: () => now, pollIntervalMs: 10 });
    const vaultB = createTokenVault(b, { now: () => now, pollIntervalMs: 10 });
    connectDirectly(vaultA, qbo.emulator);
    now += 61 * minute;
    const before = refreshes();
    const realm = qbo.emulator.realmId;
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? vaultA : vaultB).accessToken(realm)),
    );
    expect(refreshes() - before).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(await worksAtQuickBooks(a, tokens[0]!)).toBe(true);
  });

  it('serves the still-valid token while another connection refreshes early, instead of waiting', async () => {
    const dir = tempDataDir();
    const a = ctxOn(dir);
    const b = ctxOn(dir);
    const first = connectDirectly(createTokenVault(a), qbo.emulator);
    const early = Date.now() + 56 * minute; // four minutes left: inside the margin, not expired
    const vaultA = createTokenVault(a, { now: () => early });
    const vaultB = createTokenVault(b, { now: () => early });
    const before = refreshes();
    const refreshing = vaultA.accessToken(qbo.emulator.realmId);
    expect(await vaultB.accessToken(qbo.emulator.realmId)).toBe(first.accessToken);
    const renewed = await refreshing;
    expect(renewed).not.toBe(first.accessToken);
    expect(refreshes() - before).toBe(1);
    expect(await vaultB.accessToken(qbo.emulator.realmId)).toBe(renewed);
  });

  it('refreshes once after QuickBooks rejects a token, however many callers report it', async () => {
    const ctx = ctxOn();
    const vault = createTokenVault(ctx);
    const first = connectDirectly(vault, qbo.emulator);
    qbo.emulator.expireAccessTokens();
    expect(await worksAtQuickBooks(ctx, first.accessToken)).toBe(false);
    const before = refreshes();
    const realm = qbo.emulator.realmId;
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => vault.refreshAfterRejection(realm, first.accessToken)),
    );
    expect(refreshes() - before).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(await worksAtQuickBooks(ctx, tokens[0]!)).toBe(true);
    // A late report about the old token gets the current one without another refresh.
    expect(await vault.refreshAfterRejection(realm, first.accessToken)).toBe(tokens[0]);
    expect(refreshes() - before).toBe(1);
  });

  it('puts the company into "reconnect needed" on invalid_grant and stops asking Intuit', async () => {
    const ctx = ctxOn();
    let now = Date.now();
    const vault = createTokenVault(ctx, { now: () => now });
    const first = connectDirectly(vault, qbo.emulator);
    qbo.emulator.revokeRefreshToken(first.refreshToken);
    now += 61 * minute;
    const before = refreshes();
    await expect(vault.accessToken(qbo.emulator.realmId)).rejects.toBeInstanceOf(ReconnectRequiredError);
    const status = vault.connection(qbo.emulator.realmId)!;
    expect(status.status).toBe('reconnect_needed');
    expect(status.warnings[0]).toMatch(
      /needs reconnecting \(Intuit rejected the refresh token \(invalid_grant\)\)/,
    );
    await expect(vault.accessToken(qbo.emulator.realmId)).rejects.toThrow(/must be reconnected/);
    expect(refreshes() - before).toBe(0);
    expect(ctx.audit.recent({ action: 'qbo.refresh' })[0]).toMatchObject({ outcome: 'failure' });
  });

  it('warns a month before the hard expiry Intuit reported', () => {
    const ctx = ctxOn();
    const issuedAt = Date.now();
    let now = issuedAt;
    const vault = createTokenVault(ctx, { now: () => now });
    const grant = connectDirectly(vault, qbo.emulator);
    expect(grant.hardExpiresInSec).toBeGreaterThan(4 * 365 * 86_400);
    expect(vault.connections()[0]!.warnings).toEqual([]);
    const hardExpiry = issuedAt + grant.hardExpiresInSec! * 1000;
    now = hardExpiry - 12 * 24 * 60 * minute;
    const date = new Date(hardExpiry).toISOString().slice(0, 10);
    expect(vault.connections()[0]!.warnings).toContain(
      `refresh token hard-expires on ${date} (in 12 days): reconnect before then`,
    );
    expect(vault.connections()[0]!.hardExpiresAt).toBe(new Date(hardExpiry).toISOString());
  });

  it('never writes a token to the log, even at trace level', async () => {
    const capture = capturingLogger();
    const ctx = ctxOn(tempDataDir(), capture.log);
    let now = Date.now();
    const vault = createTokenVault(ctx, { now: () => now });
    const first = connectDirectly(vault, qbo.emulator);
    now += 61 * minute;
    const renewed = await vault.accessToken(qbo.emulator.realmId);
    const row = readTokenRow(ctx.db, qbo.emulator.realmId)!;
    const secrets = [
      first.accessToken,
      first.refreshToken,
      renewed,
      ctx.secrets.decrypt(row.refresh_token_enc!),
    ];
    expect(capture.text()).toContain('QuickBooks access token refreshed');
    for (const secret of secrets) expect(capture.text()).not.toContain(secret);
  });
});
