import { describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../gateway/src/sandbox/emulator';
import { apiClient } from './helpers';

const redirectUri = 'http://127.0.0.1:9999/qbo/callback';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function tokenCall(
  emulator: Emulator,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await emulator.fetch('http://emulator.test/oauth2/v1/tokens/bearer', {
    method: 'POST',
    headers: {
      authorization: basic(emulator.clientId, emulator.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function authorizeUrl(emulator: Emulator, extra: Record<string, string> = {}) {
  const params = new URLSearchParams({
    client_id: emulator.clientId,
    response_type: 'code',
    scope: 'com.intuit.quickbooks.accounting',
    redirect_uri: redirectUri,
    state: 'csrf-123',
    ...extra,
  });
  return `http://emulator.test/connect/oauth2?${params}`;
}

async function authorizationCode(emulator: Emulator): Promise<URL> {
  const response = await emulator.fetch(authorizeUrl(emulator, { auto: '1' }), { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

describe('emulator OAuth', () => {
  it('shows a consent page whose form and link both approve, redirecting with code, state and realmId', async () => {
    const emulator = createEmulator({ randomSeed: 1 });
    const page = await emulator.fetch(authorizeUrl(emulator));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<form method="post" action="/connect/oauth2/approve">');
    expect(html).toContain('Sandbox Company_US_1');

    const form = new URLSearchParams(new URL(authorizeUrl(emulator)).searchParams);
    const approved = await emulator.fetch('http://emulator.test/connect/oauth2/approve', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    expect(approved.status).toBe(302);
    const target = new URL(approved.headers.get('location') ?? '');
    expect(`${target.origin}${target.pathname}`).toBe(redirectUri);
    expect(target.searchParams.get('state')).toBe('csrf-123');
    expect(target.searchParams.get('realmId')).toBe(emulator.realmId);
    expect(target.searchParams.get('code')).toMatch(/^AB11/);
  });

  it('rejects an authorize request from an unknown client', async () => {
    const emulator = createEmulator();
    const response = await emulator.fetch(authorizeUrl(emulator, { client_id: 'someone-else', auto: '1' }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('client_id');
  });

  it('exchanges a code exactly once; reusing it fails and kills the first tokens', async () => {
    const emulator = createEmulator({ randomSeed: 2 });
    const callback = await authorizationCode(emulator);
    const code = callback.searchParams.get('code') ?? '';
    const first = await tokenCall(emulator, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      x_refresh_token_expires_in: 8726400,
    });
    expect(first.json).not.toHaveProperty('x_refresh_token_hard_expires_in');
    const api = apiClient(emulator, () => String(first.json.access_token));
    expect((await api('GET', `companyinfo/${emulator.realmId}`)).status).toBe(200);

    const second = await tokenCall(emulator, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    expect(second).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: expect.any(String) },
    });
    expect((await api('GET', `companyinfo/${emulator.realmId}`)).status).toBe(401);
    expect(emulator.stats().codeExchanges).toBe(1);
  });

  it('rotates the refresh token; the previous one answers the current pair during the grace period only', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const emulator = createEmulator({ randomSeed: 3, now: () => now, refreshGraceSeconds: 86_400 });
    const original = emulator.issueTokens();

    const rotated = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: original.refresh_token,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.refresh_token).not.toBe(original.refresh_token);
    expect(rotated.json.access_token).not.toBe(original.access_token);

    now += 23 * 3600 * 1000;
    const viaOld = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: original.refresh_token,
    });
    expect(viaOld.status).toBe(200);
    expect(viaOld.json.refresh_token).toBe(rotated.json.refresh_token);

    now += 2 * 3600 * 1000;
    const tooLate = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: original.refresh_token,
    });
    expect(tooLate).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' },
    });
    const current = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: String(rotated.json.refresh_token),
    });
    expect(current.status).toBe(200);
    expect(emulator.stats().tokenRefreshes).toBe(3);
  });

  it('scales token lifetimes and the grace period with the time scale', async () => {
    let now = 1_000_000;
    const emulator = createEmulator({ timeScale: 3600, now: () => now });
    const pair = emulator.issueTokens();
    expect(pair.expires_in).toBe(1);
    const rotated = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: pair.refresh_token,
    });
    now += 25_000; // 25 scaled hours: the old value's 24 h grace is over
    const late = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: pair.refresh_token,
    });
    expect(late.json.error).toBe('invalid_grant');
    const api = apiClient(emulator, () => String(rotated.json.access_token));
    expect((await api('GET', 'item/1')).status).toBe(401);
  });

  it('adds the hard expiry only when asked, and rejects bad client credentials', async () => {
    const emulator = createEmulator();
    const pair = emulator.issueTokens();
    const withHard = await tokenCall(
      emulator,
      { grant_type: 'refresh_token', refresh_token: pair.refresh_token },
      { 'x-include-refresh-token-hard-expires-in': 'true' },
    );
    expect(withHard.json.x_refresh_token_hard_expires_in).toBeGreaterThan(150_000_000);
    const wrongSecret = await tokenCall(
      emulator,
      { grant_type: 'refresh_token', refresh_token: String(withHard.json.refresh_token) },
      { authorization: basic(emulator.clientId, 'wrong') },
    );
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json.error).toBe('invalid_client');
  });

  it('revokes a connection: refresh fails with invalid_grant and the access token stops working', async () => {
    const emulator = createEmulator();
    const pair = emulator.issueTokens();
    const revoked = await emulator.fetch('http://emulator.test/oauth2/v1/tokens/revoke', {
      method: 'POST',
      headers: {
        authorization: basic(emulator.clientId, emulator.clientSecret),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ token: pair.refresh_token }),
    });
    expect(revoked.status).toBe(200);
    const refresh = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: pair.refresh_token,
    });
    expect(refresh.json.error).toBe('invalid_grant');
    const api = apiClient(emulator, () => pair.access_token);
    expect((await api('GET', 'customer/1')).status).toBe(401);

    const other = emulator.issueTokens();
    emulator.revokeRefreshToken(other.refresh_token);
    const again = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: other.refresh_token,
    });
    expect(again.json.error).toBe('invalid_grant');
  });

  it('answers an expired access token with the lowercase 401 fault and WWW-Authenticate', async () => {
    const emulator = createEmulator();
    const pair = emulator.issueTokens();
    emulator.expireAccessTokens();
    const api = apiClient(emulator, () => pair.access_token);
    const result = await api('GET', 'customer/1');
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toBe('Bearer realm="Intuit", error="invalid_token"');
    expect(result.headers.get('intuit_tid')).toMatch(/^1-[0-9a-f]+-[0-9a-f]{24}$/);
    const fault = result.json.fault as { error: Array<Record<string, unknown>>; type: string };
    expect(fault.type).toBe('AUTHENTICATION');
    expect(fault.error[0]?.code).toBe('3200');
    expect(typeof result.json.time).toBe('number');
    const refreshed = await tokenCall(emulator, {
      grant_type: 'refresh_token',
      refresh_token: pair.refresh_token,
    });
    const retried = await apiClient(emulator, () => String(refreshed.json.access_token))('GET', 'customer/1');
    expect(retried.status).toBe(200);
  });
});
