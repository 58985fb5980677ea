import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type KeyLike = Parameters<SignJWT['sign']>[0];

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createApp } from '../../gateway/src/server/app';
import { testContext } from '../helpers/context';

/** Google's role played on loopback: a JWKS endpoint and tokens signed with its key (or another). */
const audience = 'addon-123.apps.googleusercontent.com';
let server: http.Server;
let jwksUrl: string;
let googleKey: KeyLike;
let strangerKey: KeyLike;
let ctx: AppContext;

async function token(
  claims: Record<string, unknown>,
  options: { key?: KeyLike; kid?: string; expiresIn?: string | number } = {},
) {
  return new SignJWT({ email: 'books@example.com', email_verified: true, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'google-1' })
    .setIssuer('https://accounts.google.com')
    .setAudience((claims.aud as string | undefined) ?? audience)
    .setSubject('1234567890')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(options.key ?? googleKey);
}

async function status(jwt: string) {
  const app = createApp(ctx);
  const res = await app.request('http://127.0.0.1/api/sheets/status', {
    headers: { authorization: `Bearer ${jwt}` },
  });
  return { status: res.status, message: ((await res.json()) as { message: string }).message };
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  googleKey = pair.privateKey as KeyLike;
  strangerKey = (await generateKeyPair('RS256')).privateKey as KeyLike;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'google-1', alg: 'RS256', use: 'sig' };
  server = http.createServer((req, res) => {
    res.writeHead(req.url === '/oauth2/v3/certs' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v3/certs`;
  ctx = testContext({
    ADDON_JWKS_URL: jwksUrl,
    ADDON_AUDIENCE: `other-project.apps.googleusercontent.com, ${audience}`,
    ADDON_ALLOWED_EMAILS: 'books@example.com,@acme.test',
  });
});

afterAll(async () => {
  ctx.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('Google ID token auth against a local JWKS', () => {
  it('accepts a good token, an allowed domain, and the hd claim', async () => {
    expect((await status(await token({}))).status).toBe(200);
    expect((await status(await token({ email: 'anyone@acme.test' }))).status).toBe(200);
    expect((await status(await token({ email: 'x@corp.example', hd: 'acme.test' }))).status).toBe(200);
  });

  it('refuses a wrong audience, an expired token, another signer, an email not allowed or unverified', async () => {
    const wrongAud = await status(await token({ aud: 'someone-else.apps.googleusercontent.com' }));
    expect(wrongAud).toMatchObject({ status: 401 });
    expect(wrongAud.message).toMatch(/aud/);
    const expired = await status(await token({}, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }));
    expect(expired.message).toMatch(/expired/);
    const forged = await status(await token({}, { key: strangerKey }));
    expect(forged.message).toMatch(/not signed by Google/);
    const unknownKid = await status(await token({}, { key: strangerKey, kid: 'not-google' }));
    expect(unknownKid.message).toMatch(/not signed by Google/);
    const notAllowed = await status(await token({ email: 'mallory@example.com' }));
    expect(notAllowed.message).toMatch(/not in ADDON_ALLOWED_EMAILS/);
    const unverified = await status(await token({ email_verified: false }));
    expect(unverified.message).toMatch(/verified email/);
    const denied = ctx.db
      .prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'addon.auth'")
      .get() as { n: number };
    expect(denied.n).toBeGreaterThanOrEqual(6);
  });
});
