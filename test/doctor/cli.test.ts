import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { haveOpenssl, makeCert, type TestCert } from '../deploy/certs';
import { runCliAsync } from '../helpers/cli';
import { tempDir, testContext } from '../helpers/context';
import { connectDirectly, startEmulator } from '../qbo-auth/helpers';
import { tlsServer } from './fixtures';

// Child processes (the built CLI, servers) start slowly on a loaded machine; give them room.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

/**
 * `qb-bridge doctor` as a user runs it (the built binary, a child process): a deployment with every
 * configured check passing exits 0, one with only a warning exits 3, one with a failure exits 1, and no
 * secret from the environment or the store reaches the output.
 */
const clientSecret = 'cs-doctor-never-print-me';
const secretKey = 'c0ffee'.repeat(10) + 'c0ffee12'.slice(0, 4);
const misPassword = 'mis-pw-never-print-me';

let dir: string;
let good: TestCert;
let expiring: TestCert;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let refreshToken: string;
const dataDir = () => `${dir}/data`;

beforeAll(async () => {
  expect(haveOpenssl(), 'openssl makes the test certificates').toBe(true);
  dir = tempDir('qbb-doctor-cli-');
  good = makeCert(dir, 'good', ['localhost'], 200);
  expiring = makeCert(dir, 'expiring', ['localhost'], 10);
  emulator = await startEmulator({ clientSecret });
  const ctx = testContext({ DATA_DIR: dataDir(), QB_BRIDGE_SECRET_KEY: secretKey, ...emulator.overrideEnv });
  refreshToken = connectDirectly(createTokenVault(ctx), emulator.emulator).refreshToken;
  saveCredentials(ctx.db, 'qb-bridge', await hashPassword('web connector password'));
  ctx.close();
});
afterAll(() => emulator.close());

async function doctor(cert: TestCert, extra: Record<string, string> = {}) {
  const server = await tlsServer(cert);
  try {
    return await runCliAsync(['doctor', '--json', '--timeout', '10000'], {
      DATA_DIR: dataDir(),
      QB_BRIDGE_SECRET_KEY: secretKey,
      PUBLIC_URL: `https://localhost:${server.port}`,
      // The test certificate stands in for one from a public CA: trusted the way Node trusts extra CAs.
      NODE_EXTRA_CA_CERTS: cert.certFile,
      MIS_DATABASE_URL: process.env.MIS_TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/',
      ADDON_AUDIENCE: '1234-abc.apps.googleusercontent.com',
      ADDON_ALLOWED_EMAILS: 'books@example.com',
      ...emulator.overrideEnv,
      ...extra,
    });
  } finally {
    await server.close();
  }
}

interface Report {
  results: { check: string; status: string; message: string }[];
  exitCode: number;
}

function expectNoSecrets(text: string) {
  for (const secret of [clientSecret, secretKey, misPassword, refreshToken])
    expect(text).not.toContain(secret);
}

describe('qb-bridge doctor', () => {
  it('exits 0 when every configured check passes', async () => {
    const result = await doctor(good);
    const report = JSON.parse(result.stdout) as Report;
    const status = Object.fromEntries(report.results.map((r) => [r.check, r.status]));
    expect(status).toEqual({
      'public-url': 'ok',
      certificate: 'ok',
      clock: 'ok',
      'data-dir': 'ok',
      'disk-space': 'ok',
      store: 'ok',
      'secret-key': 'ok',
      quickbooks: 'ok',
      mis: 'ok',
      zimbra: 'skip',
      qbwc: 'ok',
      addon: 'ok',
    });
    expect(result.code).toBe(0);
    expectNoSecrets(result.stdout + result.stderr);
  });

  it('exits 3 when only warnings remain (a certificate expiring within 30 days)', async () => {
    const result = await doctor(expiring);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.results.find((r) => r.check === 'certificate')).toMatchObject({ status: 'warn' });
    expect(report.results.filter((r) => r.status === 'fail')).toEqual([]);
    expect(result.code).toBe(3);
  });

  it('exits 1 on a failure and prints no secret, also in the readable output', async () => {
    const extra = { MIS_DATABASE_URL: `mysql://reader:${misPassword}@127.0.0.1:1/mis` };
    const json = await doctor(good, extra);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as Report).results.find((r) => r.check === 'mis')).toMatchObject({
      status: 'fail',
    });
    expectNoSecrets(json.stdout + json.stderr);
    const server = await tlsServer(good);
    try {
      const text = await runCliAsync(['doctor'], {
        DATA_DIR: dataDir(),
        QB_BRIDGE_SECRET_KEY: secretKey,
        PUBLIC_URL: `https://localhost:${server.port}`,
        ...emulator.overrideEnv,
        ...extra,
      });
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^FAIL {2}mis +cannot use the MIS database 127\.0\.0\.1:1\/mis/m);
      expect(text.stdout).toMatch(/fix: check the host and port/);
      expect(text.stdout).toMatch(/\d+ ok, \d+ warnings?, \d+ failed, \d+ not configured/);
      expectNoSecrets(text.stdout + text.stderr);
    } finally {
      await server.close();
    }
  });
});
