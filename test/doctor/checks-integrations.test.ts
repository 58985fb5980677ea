import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMis, checkZimbra } from '../../gateway/src/doctor/checks-remote';
import {
  checkAddon,
  checkQuickBooks,
  checkWebConnector,
  openStoreReadOnly,
} from '../../gateway/src/doctor/checks-store';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { tempDir, testContext } from '../helpers/context';
import { connectDirectly, freePort, startEmulator } from '../qbo-auth/helpers';
import { doctorConfig, type SshFixture, sshServer } from './fixtures';

const dayMs = 24 * 3600 * 1000;
const storeOf = (dataDir: string) => openStoreReadOnly(path.join(dataDir, 'qb-bridge.db'));

describe('quickbooks (token health from the store, as /healthz reports it)', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it('skips when not configured, warns when not connected, passes a connected company', () => {
    expect(checkQuickBooks(doctorConfig(), undefined, Date.now())).toMatchObject({ status: 'skip' });
    const config = doctorConfig(emulator.overrideEnv);
    const ctx = testContext({ DATA_DIR: config.dataDir, ...emulator.overrideEnv });
    let db = storeOf(config.dataDir);
    expect(checkQuickBooks(config, db, Date.now())).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('authorize-qbo'),
    });
    db?.close();
    const grant = connectDirectly(createTokenVault(ctx), emulator.emulator);
    db = storeOf(config.dataDir);
    const result = checkQuickBooks(config, db, Date.now());
    expect(result).toMatchObject({
      status: 'ok',
      message: expect.stringContaining(emulator.emulator.realmId),
    });
    // Token health never shows a token.
    expect(JSON.stringify(result)).not.toContain(grant.refreshToken);
    expect(JSON.stringify(result)).not.toContain(grant.accessToken);
    // Within 30 days of the hard expiry it warns; a grant QuickBooks revoked fails.
    expect(checkQuickBooks(config, db, Date.now() + (5 * 365 - 10) * dayMs).status).toBe('warn');
    db?.close();
    ctx.db
      .prepare("UPDATE qbo_tokens SET status = 'reconnect_needed', status_reason = 'invalid_grant'")
      .run();
    ctx.close();
    db = storeOf(config.dataDir);
    expect(checkQuickBooks(config, db, Date.now())).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('needs reconnecting'),
    });
    db?.close();
  });
});

describe('mis (a real MariaDB: connect and SELECT 1)', () => {
  const base = process.env.MIS_TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';

  it('skips when not configured and passes a reachable database', async () => {
    expect(await checkMis({}, 10_000)).toMatchObject({ status: 'skip' });
    const result = await checkMis({ MIS_DATABASE_URL: base }, 10_000);
    expect(result).toMatchObject({ status: 'ok', message: expect.stringContaining('SELECT 1') });
  });

  it('fails a closed port and an unknown database, saying what to check and never the password', async () => {
    const port = await freePort();
    const closed = await checkMis(
      { MIS_DATABASE_URL: `mysql://reader:s3cret-pw@127.0.0.1:${port}/mis` },
      2000,
    );
    expect(closed).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`127.0.0.1:${port}/mis`),
    });
    expect(closed.fix).toContain('host and port');
    expect(JSON.stringify(closed)).not.toContain('s3cret-pw');
    const missing = await checkMis({ MIS_DATABASE_URL: `${base.replace(/\/$/, '')}/qbb_no_such_db` }, 10_000);
    expect(missing).toMatchObject({ status: 'fail', message: expect.stringContaining('ER_BAD_DB_ERROR') });
  });
});

describe('zimbra (an SSH handshake checked against ZIMBRA_KNOWN_HOSTS)', () => {
  let ssh: SshFixture;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('qbb-doctor-ssh-');
    ssh = await sshServer(dir);
  });
  afterAll(() => ssh.close());

  const settings = (knownHosts: string | undefined, keyFile: string | undefined) => ({
    ZIMBRA_HOST: '127.0.0.1',
    ZIMBRA_PORT: ssh.port,
    ZIMBRA_USERNAME: 'zimbra',
    ZIMBRA_KEY_FILE: keyFile,
    ZIMBRA_KNOWN_HOSTS: knownHosts,
  });
  const knownHostsFile = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('passes a known host key and an accepted login key', async () => {
    const file = knownHostsFile('good', `# comment\n${ssh.knownHostsLine}\n`);
    const result = await checkZimbra(settings(file, ssh.clientKeyFile), 10_000);
    expect(result).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/known \(SHA256:.+\) and accepted/),
    });
  });

  it('fails an unknown host key, naming its fingerprint', async () => {
    const otherKey = crypto.randomBytes(51).toString('base64');
    const file = knownHostsFile('other', `[127.0.0.1]:${ssh.port} ssh-ed25519 ${otherKey}\n`);
    const result = await checkZimbra(settings(file, ssh.clientKeyFile), 10_000);
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('is not in') });
    expect(result.fix).toContain(`ssh-keyscan -p ${ssh.port} 127.0.0.1`);
  });

  it('fails without ZIMBRA_KNOWN_HOSTS, with a refused login key, and on a closed port', async () => {
    expect(await checkZimbra(settings(undefined, ssh.clientKeyFile), 10_000)).toMatchObject({
      status: 'fail',
    });
    const file = knownHostsFile('good2', `${ssh.knownHostsLine}\n`);
    const refused = await checkZimbra(settings(file, ssh.otherClientKeyFile), 10_000);
    expect(refused).toMatchObject({ status: 'fail', message: expect.stringContaining('refused the key') });
    const closedPort = await freePort();
    const closed = await checkZimbra(
      { ...settings(file, ssh.clientKeyFile), ZIMBRA_PORT: closedPort },
      10_000,
    );
    expect(closed).toMatchObject({ status: 'fail', message: expect.stringContaining('cannot reach') });
    expect(await checkZimbra({ ZIMBRA_PORT: 22, ZIMBRA_USERNAME: 'zimbra' }, 1000)).toMatchObject({
      status: 'skip',
    });
  });

  it('uses the same host-key trust as a billing run: hashed entries, @revoked, and a pinned SHA256 fingerprint', async () => {
    const salt = crypto.randomBytes(20);
    const name = `[127.0.0.1]:${ssh.port}`;
    const hash = crypto.createHmac('sha1', salt).update(name).digest('base64');
    const hashed = knownHostsFile(
      'hashed',
      `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${ssh.hostKeyBase64}\n`,
    );
    expect(await checkZimbra(settings(hashed, ssh.clientKeyFile), 10_000)).toMatchObject({ status: 'ok' });
    const revoked = knownHostsFile(
      'revoked',
      `@revoked ${name} ssh-ed25519 ${ssh.hostKeyBase64}\n${ssh.knownHostsLine}\n`,
    );
    expect(await checkZimbra(settings(revoked, ssh.clientKeyFile), 10_000)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('@revoked'),
    });
    // ZIMBRA_KNOWN_HOSTS may pin the key's fingerprint instead of naming a file (the doctor used to try to
    // read it as a file name).
    const pinned = `SHA256:${crypto.createHash('sha256').update(Buffer.from(ssh.hostKeyBase64, 'base64')).digest('base64').replace(/=+$/, '')}`;
    expect(await checkZimbra(settings(pinned, ssh.clientKeyFile), 10_000)).toMatchObject({
      status: 'ok',
      message: expect.stringContaining(pinned),
    });
    const wrongPin = `SHA256:${crypto.randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    expect(await checkZimbra(settings(wrongPin, ssh.clientKeyFile), 10_000)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`not the pinned ${wrongPin}`),
    });
  });
});

describe('qbwc (the Web Connector password)', () => {
  it('skips when unset, passes a stored hash, fails a hash no login can match', async () => {
    const config = doctorConfig();
    expect(checkWebConnector(config, undefined)).toMatchObject({ status: 'skip' });
    const ctx = testContext({ DATA_DIR: config.dataDir });
    saveCredentials(ctx.db, 'qbwc-user', await hashPassword('a long enough password'));
    ctx.close();
    const db = storeOf(config.dataDir);
    const result = checkWebConnector(config, db);
    expect(result).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('"qbwc-user" (in the store)'),
    });
    expect(JSON.stringify(result)).not.toMatch(/scrypt|\$2[aby]\$/);
    db?.close();
    const broken = checkWebConnector(doctorConfig({ QBWC_PASSWORD_HASH: 'plain-text-password' }), undefined);
    expect(broken).toMatchObject({ status: 'fail', message: expect.stringContaining('QBWC_PASSWORD_HASH') });
    expect(JSON.stringify(broken)).not.toContain('plain-text-password');
  });
});

describe('addon (Google ID-token audience or an add-on key)', () => {
  it('skips with neither, passes audience + allowed emails or an active key, fails half a setup', () => {
    expect(checkAddon(doctorConfig(), undefined)).toMatchObject({ status: 'skip' });
    const clientId = '1234-abc.apps.googleusercontent.com';
    expect(
      checkAddon(
        doctorConfig({ ADDON_AUDIENCE: clientId, ADDON_ALLOWED_EMAILS: 'books@example.com' }),
        undefined,
      ),
    ).toMatchObject({ status: 'ok' });
    expect(checkAddon(doctorConfig({ ADDON_AUDIENCE: clientId }), undefined)).toMatchObject({
      status: 'fail',
    });
    expect(checkAddon(doctorConfig({ ADDON_ALLOWED_EMAILS: 'a@example.com' }), undefined)).toMatchObject({
      status: 'fail',
    });
    expect(
      checkAddon(
        doctorConfig({ ADDON_AUDIENCE: 'https://qb.example.com', ADDON_ALLOWED_EMAILS: 'a@example.com' }),
        undefined,
      ),
    ).toMatchObject({ status: 'warn', fix: expect.stringContaining('apps.googleusercontent.com') });

    // `qb-bridge addon-key` keeps keys in addon_keys (the Sheets flow's table); an unrevoked one counts.
    const config = doctorConfig();
    const ctx = testContext({ DATA_DIR: config.dataDir });
    const insertKey =
      "INSERT INTO addon_keys (id, secret_sealed, spreadsheet_id, created_at, revoked_at) VALUES (?, 'sealed', NULL, 'now', ?)";
    ctx.db.prepare(insertKey).run('k1', 'then');
    ctx.close();
    let db = storeOf(config.dataDir);
    expect(checkAddon(config, db)).toMatchObject({ status: 'skip' });
    db?.close();
    const writer = testContext({ DATA_DIR: config.dataDir });
    writer.db.prepare(insertKey).run('k2', null);
    writer.close();
    db = storeOf(config.dataDir);
    expect(checkAddon(config, db)).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('1 key active'),
    });
    db?.close();
  });
});
