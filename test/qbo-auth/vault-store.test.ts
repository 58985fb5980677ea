import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { ConfigError, loadConfig } from '../../gateway/src/config/load';
import { connectionWarnings, qboHealthSection } from '../../gateway/src/qbo/oauth/connection-health';
import {
  emulatorOAuthDefaults,
  OAuthCallError,
  oauthSettings,
  parseTokenResponse,
  toOAuthCallError,
} from '../../gateway/src/qbo/oauth/oauth';
import { ReconnectRequiredError } from '../../gateway/src/qbo/oauth/token-source';
import { completeRefresh, readTokenRow, tryTakeRefreshLease } from '../../gateway/src/qbo/oauth/token-store';
import { createTokenVault, sealGrant } from '../../gateway/src/qbo/oauth/token-vault';
import { openTestContext, tempDataDir } from './helpers';

const day = 24 * 60 * 60 * 1000;
const t0 = Date.parse('2028-09-19T12:00:00Z');

function grant(n: number, hardDays: number | null = 1800) {
  return {
    accessToken: `access-token-${n}-secretvalue`,
    refreshToken: `refresh-token-${n}-secretvalue`,
    expiresInSec: 3600,
    refreshExpiresInSec: 8_726_400,
    hardExpiresInSec: hardDays === null ? null : hardDays * 86_400,
  };
}

const opened: AppContext[] = [];
function ctxOn(dir: string, env: Record<string, string> = {}): AppContext {
  const ctx = openTestContext(dir, env);
  opened.push(ctx);
  return ctx;
}
afterEach(() => {
  for (const ctx of opened.splice(0)) ctx.close();
});

describe('token responses and OAuth errors', () => {
  it('reads lifetimes, including the hard expiry when Intuit sends it', () => {
    const parsed = parseTokenResponse({
      token_type: 'bearer',
      access_token: 'a',
      refresh_token: 'r',
      expires_in: 3600,
      x_refresh_token_expires_in: 8726400,
      x_refresh_token_hard_expires_in: 156032154,
    });
    expect(parsed).toEqual({
      accessToken: 'a',
      refreshToken: 'r',
      expiresInSec: 3600,
      refreshExpiresInSec: 8726400,
      hardExpiresInSec: 156032154,
    });
    expect(
      parseTokenResponse({
        ...parsed,
        access_token: 'a',
        refresh_token: 'r',
        expires_in: '3600',
        x_refresh_token_expires_in: 10,
      }).hardExpiresInSec,
    ).toBeNull();
  });

  it('refuses a token response without a refresh token', () => {
    expect(() =>
      parseTokenResponse({ access_token: 'a', expires_in: 3600, x_refresh_token_expires_in: 1 }),
    ).toThrow(/refresh_token/);
  });

  it('recognises invalid_grant in intuit-oauth errors and keeps only safe fields', () => {
    const wrapped = Object.assign(new Error('invalid_grant'), {
      error: 'invalid_grant',
      error_description: 'Incorrect or invalid refresh token',
      intuit_tid: '1-abc',
      authResponse: { response: { status: 400, config: { headers: { Authorization: 'Basic c2VjcmV0' } } } },
    });
    const mapped = toOAuthCallError(wrapped, 'token refresh');
    expect(mapped).toBeInstanceOf(OAuthCallError);
    expect(mapped.invalidGrant).toBe(true);
    expect(mapped.status).toBe(400);
    expect(mapped.intuitTid).toBe('1-abc');
    expect(mapped.message).toBe(
      'QuickBooks token refresh failed (invalid_grant: Incorrect or invalid refresh token)',
    );
    const network = toOAuthCallError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
        error: 'connect ECONNREFUSED 127.0.0.1:9',
      }),
      'token refresh',
    );
    expect(network.invalidGrant).toBe(false);
    expect(network.code).toBe('network');
  });
});

describe('OAuth settings', () => {
  it('uses the emulator stand-ins and a loopback redirect in emulator mode', () => {
    const dir = tempDataDir();
    const settings = oauthSettings(
      loadConfig({ DATA_DIR: dir, QBO_ENVIRONMENT: 'emulator', PORT: '9123' }, dir),
    );
    expect(settings.clientId).toBe(emulatorOAuthDefaults.clientId);
    expect(settings.clientSecret).toBe(emulatorOAuthDefaults.clientSecret);
    expect(settings.redirectUri).toBe('http://127.0.0.1:9123/qbo/callback');
  });

  it('names the missing variable outside emulator mode', () => {
    const dir = tempDataDir();
    const config = loadConfig({ DATA_DIR: dir, QBO_ENVIRONMENT: 'sandbox', QBO_CLIENT_ID: 'abc' }, dir);
    expect(() => oauthSettings(config)).toThrow(ConfigError);
    expect(() => oauthSettings(config)).toThrow(/QBO_CLIENT_SECRET is missing/);
  });
});

describe('token store', () => {
  it('keeps tokens encrypted at rest', () => {
    const ctx = ctxOn(tempDataDir());
    createTokenVault(ctx, { now: () => t0 }).saveFromCodeExchange('123', grant(1), { actor: 'test' });
    const raw = JSON.stringify(ctx.db.prepare('SELECT * FROM qbo_tokens').all());
    expect(raw).toContain('123');
    expect(raw).not.toContain('access-token-1');
    expect(raw).not.toContain('refresh-token-1');
  });

  it('lets only one connection hold the refresh lease until it expires', () => {
    const dir = tempDataDir();
    const a = ctxOn(dir);
    const b = ctxOn(dir);
    createTokenVault(a, { now: () => t0 }).saveFromCodeExchange('123', grant(1), { actor: 'test' });
    const version = readTokenRow(a.db, '123')!.version;
    expect(tryTakeRefreshLease(a.db, '123', version, 'a', t0, 10_000)).toBe(true);
    expect(tryTakeRefreshLease(b.db, '123', version, 'b', t0 + 5_000, 10_000)).toBe(false);
    expect(tryTakeRefreshLease(b.db, '123', version, 'b', t0 + 10_001, 10_000)).toBe(true);
    // Both think they refreshed; the compare-and-swap lets only the first one store its pair.
    expect(completeRefresh(b.db, '123', version, sealGrant(b.secrets, grant(2), t0), t0)).toBe(true);
    expect(completeRefresh(a.db, '123', version, sealGrant(a.secrets, grant(3), t0), t0)).toBe(false);
    expect(a.secrets.decrypt(readTokenRow(a.db, '123')!.refresh_token_enc!)).toBe(
      'refresh-token-2-secretvalue',
    );
  });
});

describe('token vault without network', () => {
  it('hands out the stored token while it is fresh and refuses unknown companies', async () => {
    const ctx = ctxOn(tempDataDir());
    const vault = createTokenVault(ctx, { now: () => t0 });
    vault.saveFromCodeExchange('123', grant(1), { actor: 'test', companyName: 'Acme' });
    await expect(vault.accessToken('123')).resolves.toBe('access-token-1-secretvalue');
    await expect(vault.accessToken('999')).rejects.toBeInstanceOf(ReconnectRequiredError);
    expect(vault.defaultRealm()).toBe('123');
    expect(vault.connections()[0]).toMatchObject({
      realmId: '123',
      companyName: 'Acme',
      status: 'connected',
    });
  });

  it('marks a hard-expired grant as needing reconnection without asking Intuit', async () => {
    const dir = tempDataDir();
    const ctx = ctxOn(dir, { QBO_ENVIRONMENT: 'emulator', QBO_TOKEN_URL: 'http://127.0.0.1:9/never' });
    let now = t0;
    const vault = createTokenVault(ctx, { now: () => now });
    vault.saveFromCodeExchange('123', grant(1, 1), { actor: 'test' });
    now = t0 + 2 * day;
    await expect(vault.accessToken('123')).rejects.toThrow(/reached its hard expiry/);
    expect(readTokenRow(ctx.db, '123')!.status).toBe('reconnect_needed');
    expect(qboHealthSection(ctx, now)).toMatchObject({ degraded: true });
    expect(() => vault.defaultRealm()).toThrow(ReconnectRequiredError);
  });

  it('explains how to choose when several companies are connected', () => {
    const ctx = ctxOn(tempDataDir());
    const vault = createTokenVault(ctx, { now: () => t0 });
    expect(() => vault.defaultRealm()).toThrow(/No QuickBooks company is connected/);
    vault.saveFromCodeExchange('1', grant(1), { actor: 'test' });
    vault.saveFromCodeExchange('2', grant(2), { actor: 'test' });
    expect(() => vault.defaultRealm()).toThrow(/set QBO_REALM_ID/);
  });
});

describe('connection warnings', () => {
  it('warns a month ahead of the hard expiry, with the date and days left', () => {
    const ctx = ctxOn(tempDataDir());
    const vault = createTokenVault(ctx, { now: () => t0 });
    vault.saveFromCodeExchange('123', grant(1, 12), { actor: 'test' });
    const row = readTokenRow(ctx.db, '123')!;
    expect(connectionWarnings(row, t0)).toEqual([
      'refresh token hard-expires on 2028-10-01 (in 12 days): reconnect before then',
    ]);
    expect(connectionWarnings(row, t0 - 40 * day)).toEqual([]);
    expect(vault.connections()[0]!.warnings).toHaveLength(1);
  });
});
