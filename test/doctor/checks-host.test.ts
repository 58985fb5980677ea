import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkCertificate,
  checkClock,
  checkDataDir,
  checkDiskSpace,
  checkPublicUrl,
  judgeClock,
  judgeDiskSpace,
} from '../../gateway/src/doctor/checks-host';
import { checkSecretKey, checkStore, openStoreReadOnly } from '../../gateway/src/doctor/checks-store';
import { haveOpenssl, makeCert, type TestCert } from '../deploy/certs';
import { tempDir, testContext } from '../helpers/context';
import { startEmulator } from '../qbo-auth/helpers';
import { doctorConfig, tlsServer } from './fixtures';

const dayMs = 24 * 3600 * 1000;

describe('public-url', () => {
  it('fails when missing, warns on http://localhost, fails on an IP address, passes an https name', () => {
    expect(checkPublicUrl({})).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('PUBLIC_URL=https://'),
    });
    expect(checkPublicUrl({ PUBLIC_URL: 'http://localhost:8787' })).toMatchObject({ status: 'warn' });
    expect(checkPublicUrl({ PUBLIC_URL: 'https://203.0.113.7' })).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('QBWC1001'),
    });
    expect(checkPublicUrl({ PUBLIC_URL: 'https://qb.example.com' })).toMatchObject({ status: 'ok' });
  });
});

describe('certificate (a real TLS handshake with the PUBLIC_URL host)', () => {
  let dir: string;
  let good: TestCert;
  let other: TestCert;
  let expiring: TestCert;
  beforeAll(() => {
    expect(haveOpenssl(), 'openssl makes the test certificates').toBe(true);
    dir = tempDir('qbb-doctor-cert-');
    good = makeCert(dir, 'good', ['localhost'], 200);
    other = makeCert(dir, 'other', ['other.example.com'], 200);
    expiring = makeCert(dir, 'expiring', ['localhost'], 10);
  });

  async function checkServed(cert: TestCert, ca: string[] | undefined) {
    const server = await tlsServer(cert);
    try {
      return await checkCertificate(
        { PUBLIC_URL: `https://localhost:${server.port}` },
        { ca, timeoutMs: 10_000, nowMs: Date.now() },
      );
    } finally {
      await server.close();
    }
  }

  it('passes a trusted certificate for the name that is valid for more than 30 days', async () => {
    const result = await checkServed(good, [good.pem]);
    expect(result).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/valid for localhost until .*trusted/),
    });
  });

  it('fails a certificate issued for another name', async () => {
    const result = await checkServed(other, [other.pem]);
    expect(result).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('other.example.com, not localhost'),
    });
  });

  it('warns about a certificate expiring within 30 days', async () => {
    const result = await checkServed(expiring, [expiring.pem]);
    expect(result).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/expires on .* \(in \d days\)/),
    });
  });

  it('fails a certificate callers do not trust (self-signed)', async () => {
    const result = await checkServed(good, undefined);
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('not trusted') });
  });

  it('reads TLS_CERT_FILE when the gateway terminates TLS itself, and judges expiry from now', async () => {
    const config = { PUBLIC_URL: 'https://localhost', TLS_CERT_FILE: good.certFile };
    expect(await checkCertificate(config, { timeoutMs: 1000, nowMs: Date.now() })).toMatchObject({
      status: 'ok',
    });
    const later = Date.now() + 190 * dayMs;
    expect(await checkCertificate(config, { timeoutMs: 1000, nowMs: later })).toMatchObject({
      status: 'warn',
    });
  });

  it('fails when nothing answers on the PUBLIC_URL port, and skips without an https PUBLIC_URL', async () => {
    const server = await tlsServer(good);
    await server.close();
    const result = await checkCertificate(
      { PUBLIC_URL: `https://localhost:${server.port}` },
      { timeoutMs: 10_000, nowMs: Date.now() },
    );
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('could not read') });
    expect(await checkCertificate({}, { timeoutMs: 1000, nowMs: Date.now() })).toMatchObject({
      status: 'skip',
    });
  });
});

describe('clock (against the Date header of the QuickBooks emulator)', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it('passes when this clock agrees with the server', async () => {
    const result = await checkClock(emulator.url, { timeoutMs: 10_000, now: Date.now });
    expect(result).toMatchObject({ status: 'ok', message: expect.stringContaining('127.0.0.1') });
  });

  it('warns at 30 s and fails at 5 minutes of skew, saying which way', async () => {
    const ahead = await checkClock(emulator.url, { timeoutMs: 10_000, now: () => Date.now() + 30_000 });
    expect(ahead).toMatchObject({ status: 'warn', message: expect.stringMatching(/3\d s ahead of/) });
    const behind = await checkClock(emulator.url, { timeoutMs: 10_000, now: () => Date.now() - 300_000 });
    expect(behind).toMatchObject({ status: 'fail', message: expect.stringMatching(/30\d s behind/) });
    expect(behind.fix).toContain('timedatectl set-ntp true');
  });

  it('allows for the whole-second Date header and the round trip', () => {
    const t = Date.parse('2026-01-01T00:00:00.000Z');
    expect(judgeClock(new Date(t).toUTCString(), t + 100, t + 900, 'x').status).toBe('ok');
    expect(judgeClock(null, t, t, 'x').status).toBe('warn');
  });
});

describe('data-dir', () => {
  it('passes a private writable directory and warns about a missing or world-readable one', () => {
    const config = doctorConfig();
    const store = path.join(config.dataDir, 'qb-bridge.db');
    expect(checkDataDir(config.dataDir, store)).toMatchObject({ status: 'ok' });
    fs.chmodSync(config.dataDir, 0o755);
    expect(checkDataDir(config.dataDir, store)).toMatchObject({
      status: 'warn',
      fix: `chmod 700 ${config.dataDir}`,
    });
    expect(checkDataDir(path.join(config.dataDir, 'nope'), store)).toMatchObject({ status: 'warn' });
  });

  it('fails a DATA_DIR that is a file, and warns about a store file others can read', () => {
    const config = doctorConfig();
    const file = path.join(config.dataDir, 'a-file');
    fs.writeFileSync(file, '');
    expect(checkDataDir(file, file)).toMatchObject({ status: 'fail' });
    const store = path.join(config.dataDir, 'qb-bridge.db');
    fs.writeFileSync(store, '', { mode: 0o644 });
    fs.chmodSync(store, 0o644);
    expect(checkDataDir(config.dataDir, store)).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('chmod 600'),
    });
  });

  it('fails a DATA_DIR this user cannot write (checked where the test does not run as root)', () => {
    const config = doctorConfig();
    fs.chmodSync(config.dataDir, 0o500);
    const result = checkDataDir(config.dataDir, path.join(config.dataDir, 'qb-bridge.db'));
    // root may write anywhere, so there the same directory is (correctly) writable.
    expect(result.status).toBe(process.getuid?.() === 0 ? 'ok' : 'fail');
    fs.chmodSync(config.dataDir, 0o700);
  });
});

describe('disk-space', () => {
  it('measures the real file system and fails or warns below the limits', () => {
    const config = doctorConfig();
    expect(checkDiskSpace(config.dataDir, { warnBelowBytes: 1, failBelowBytes: 0 })).toMatchObject({
      status: 'ok',
    });
    expect(checkDiskSpace(config.dataDir, { warnBelowBytes: 2 ** 60, failBelowBytes: 1 })).toMatchObject({
      status: 'warn',
    });
    expect(
      checkDiskSpace(path.join(config.dataDir, 'not-yet'), {
        warnBelowBytes: 2 ** 61,
        failBelowBytes: 2 ** 60,
      }),
    ).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/only \d+ MiB free/),
    });
    expect(
      judgeDiskSpace('/d', 50 * 1024 ** 2, { warnBelowBytes: 1024 ** 3, failBelowBytes: 100 * 1024 ** 2 })
        .status,
    ).toBe('fail');
  });
});

describe('store', () => {
  it('warns with no store or pending migrations, fails a store from a newer version, passes a current one', () => {
    const config = doctorConfig();
    const storeFile = path.join(config.dataDir, 'qb-bridge.db');
    expect(checkStore(openStoreReadOnly(storeFile), storeFile)).toMatchObject({ status: 'warn' });
    testContext({ DATA_DIR: config.dataDir }).close();
    const db = openStoreReadOnly(storeFile);
    expect(checkStore(db, storeFile)).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('nothing pending'),
    });
    db?.close();

    const writer = testContext({ DATA_DIR: config.dataDir });
    const first = writer.db
      .prepare('SELECT id FROM schema_migrations ORDER BY id LIMIT 1')
      .pluck()
      .get() as string;
    writer.db.prepare('DELETE FROM schema_migrations WHERE id = ?').run(first);
    writer.close();
    let ro = openStoreReadOnly(storeFile);
    expect(checkStore(ro, storeFile)).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('qb-bridge migrate'),
    });
    ro?.close();

    const raw = new Database(storeFile);
    raw
      .prepare("INSERT INTO schema_migrations (id, name, applied_at) VALUES ('future:001', 'x', 'now')")
      .run();
    raw.close();
    ro = openStoreReadOnly(storeFile);
    expect(checkStore(ro, storeFile)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('future:001'),
    });
    ro?.close();
  });
});

describe('secret-key', () => {
  const otherKey = 'ab'.repeat(32);

  it('passes the key that opens the store and fails another one, without printing either', () => {
    const config = doctorConfig();
    testContext({ DATA_DIR: config.dataDir }).close();
    const db = openStoreReadOnly(path.join(config.dataDir, 'qb-bridge.db'));
    expect(checkSecretKey(config, db)).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('opens the store'),
    });
    const wrong = checkSecretKey(
      doctorConfig({ DATA_DIR: config.dataDir, QB_BRIDGE_SECRET_KEY: otherKey }),
      db,
    );
    expect(wrong).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('does not open this store'),
    });
    const stored = fs.readFileSync(path.join(config.dataDir, 'secret.key'), 'utf8').trim();
    expect(JSON.stringify(wrong)).not.toContain(otherKey);
    expect(JSON.stringify(wrong)).not.toContain(stored);
    db?.close();
  });

  it('fails when the key file of a bound store is gone, warns when others can read it', () => {
    const config = doctorConfig();
    testContext({ DATA_DIR: config.dataDir }).close();
    const keyFile = path.join(config.dataDir, 'secret.key');
    const db = openStoreReadOnly(path.join(config.dataDir, 'qb-bridge.db'));
    fs.chmodSync(keyFile, 0o644);
    expect(checkSecretKey(config, db)).toMatchObject({ status: 'warn', fix: `chmod 600 ${keyFile}` });
    fs.renameSync(keyFile, `${keyFile}.moved`);
    expect(checkSecretKey(config, db)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('is missing'),
    });
    db?.close();
    // A fresh install has no key yet, and the doctor must not create one.
    const fresh = doctorConfig();
    expect(checkSecretKey(fresh, undefined)).toMatchObject({ status: 'ok' });
    expect(fs.existsSync(path.join(fresh.dataDir, 'secret.key'))).toBe(false);
  });
});
