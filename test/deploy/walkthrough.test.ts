import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';
import { repoRoot, runCli, runCliAsync } from '../helpers/cli';
import { tempDir, testContext } from '../helpers/context';
import { freePort, startEmulator } from '../qbo-auth/helpers';

// Child processes (the built CLI, servers) start slowly on a loaded machine; give them room.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

/**
 * README "Deploy" steps run for real on loopback: backups kept with the key and restored on a new
 * DATA_DIR, the `.qwc` for an https name, and (where Caddy is installed) the example Caddyfile serving
 * https in front of a gateway, with the connect redirect going through it.
 */
interface DoctorJson {
  results: { check: string; status: string; message: string }[];
}
const statusOf = (stdout: string, check: string) =>
  (JSON.parse(stdout) as DoctorJson).results.find((r) => r.check === check);

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe('backups with the key (README step 8)', () => {
  it('a backup plus the kept secret.key opens on a new DATA_DIR; the backup with another key does not', () => {
    const live = tempDir('qbb-live-');
    testContext({ DATA_DIR: live }).close();
    const backup = runCli(['backup', '--json'], { DATA_DIR: live });
    expect(backup.code, backup.stderr).toBe(0);
    const file = (JSON.parse(backup.stdout) as { backup: string }).backup;

    const restored = tempDir('qbb-restored-');
    fs.chmodSync(restored, 0o700);
    fs.copyFileSync(file, path.join(restored, 'qb-bridge.db'));
    fs.copyFileSync(path.join(live, 'secret.key'), path.join(restored, 'secret.key'));
    fs.chmodSync(path.join(restored, 'secret.key'), 0o600);
    const doctor = runCli(['doctor', '--json'], { DATA_DIR: restored });
    expect(statusOf(doctor.stdout, 'store')?.status).toBe('ok');
    expect(statusOf(doctor.stdout, 'secret-key')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('opens the store'),
    });

    const lost = tempDir('qbb-lost-key-');
    fs.copyFileSync(file, path.join(lost, 'qb-bridge.db'));
    const withoutKey = runCli(['doctor', '--json'], {
      DATA_DIR: lost,
      QB_BRIDGE_SECRET_KEY: '12'.repeat(32),
    });
    expect(withoutKey.code).toBe(1);
    expect(statusOf(withoutKey.stdout, 'secret-key')?.status).toBe('fail');
  });
});

describe('the Web Connector file for the public name (README step 6)', () => {
  it('`qbwc qwc --url https://…` writes an AppURL on the https name', () => {
    const dataDir = tempDir('qbb-qwc-');
    const out = path.join(dataDir, 'qb-bridge.qwc');
    const result = runCli(['qbwc', 'qwc', '--url', 'https://qb-bridge.example.com', '--out', out], {
      DATA_DIR: dataDir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(
      /<AppURL>https:\/\/qb-bridge\.example\.com\/api\/qbwc<\/AppURL>/,
    );
  });
});

const haveCaddy = spawnSync('caddy', ['version'], { stdio: 'ignore' }).status === 0;

describe('deploy/Caddyfile in front of the gateway (README step 3)', () => {
  it('serves https for the name and passes requests and the QuickBooks connect redirect through', async () => {
    const caddyfile = fs.readFileSync(path.join(repoRoot, 'deploy/Caddyfile'), 'utf8');
    expect(caddyfile).toContain('reverse_proxy {$QB_BRIDGE_UPSTREAM:127.0.0.1:8787}');
    if (!haveCaddy) return; // Not in Debian CI images by default; the Caddyfile's shape is asserted above.

    const emulator = await startEmulator();
    cleanup.push(() => emulator.close());
    const httpsPort = await freePort();
    const dataDir = tempDir('qbb-caddy-');
    const ctx = testContext({
      DATA_DIR: dataDir,
      TRUST_PROXY: '1',
      PUBLIC_URL: `https://localhost:${httpsPort}`,
      QBO_REDIRECT_URI: `https://localhost:${httpsPort}/qbo/callback`,
      ...emulator.overrideEnv,
    });
    const gateway: RunningServer = await startServer(ctx, 0, '127.0.0.1');
    cleanup.push(() => gateway.stop(1000));
    const token = await runCliAsync(['api-token', 'create', '--name', 'setup'], { DATA_DIR: dataDir });
    expect(token.code, token.stderr).toBe(0);

    // The example file as it is, imported under test-only global options: loopback ports, Caddy's own
    // CA for "localhost" (no ACME, no system trust store touched), no admin endpoint.
    const caddyHome = tempDir('qbb-caddy-home-');
    const wrapper = path.join(caddyHome, 'Caddyfile');
    fs.writeFileSync(
      wrapper,
      `{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n\thttps_port ${httpsPort}\n\thttp_port ${await freePort()}\n\tstorage file_system ${caddyHome}/storage\n}\nimport ${path.join(repoRoot, 'deploy/Caddyfile')}\n`,
    );
    const caddy: ChildProcess = spawn('caddy', ['run', '--config', wrapper, '--adapter', 'caddyfile'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: caddyHome,
        XDG_DATA_HOME: caddyHome,
        XDG_CONFIG_HOME: caddyHome,
        QB_BRIDGE_DOMAIN: 'localhost',
        QB_BRIDGE_UPSTREAM: gateway.url.replace('http://', ''),
      },
      stdio: 'ignore',
    });
    cleanup.push(() => caddy.kill('SIGTERM'));

    const root = path.join(caddyHome, 'storage/pki/authorities/local/root.crt');
    const get = (p: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const request = https.get(
          { host: 'localhost', port: httpsPort, path: p, ca: fs.readFileSync(root), headers, agent: false },
          (response) => {
            let body = '';
            response.on('data', (d) => (body += String(d)));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
            );
          },
        );
        request.on('error', reject);
      });
    let health: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 100 && !health; i += 1) {
      health = fs.existsSync(root) ? await get('/healthz').catch(() => undefined) : undefined;
      if (!health) await new Promise((r) => setTimeout(r, 100));
    }
    expect(health?.status).toBe(200);
    expect(JSON.parse(health?.body ?? '{}')).toMatchObject({ status: 'ok' });

    const connect = await get('/qbo/connect', { authorization: `Bearer ${token.stdout.trim()}` });
    expect(connect.status, connect.body).toBe(302);
    expect(String(connect.headers.location)).toContain(`${emulator.url}/connect/oauth2?`);

    // The doctor, run beside the serving gateway, sees the proxy's certificate as callers do. Caddy's own
    // CA issues 12-hour certificates, so a trusted one still warns as "expiring within 30 days".
    const doctor = await runCliAsync(['doctor', '--json'], {
      DATA_DIR: dataDir,
      PUBLIC_URL: `https://localhost:${httpsPort}`,
      NODE_EXTRA_CA_CERTS: root,
      ...emulator.overrideEnv,
    });
    expect(statusOf(doctor.stdout, 'public-url')?.status).toBe('ok');
    expect(statusOf(doctor.stdout, 'certificate')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /^the certificate for localhost expires on \d{4}-\d{2}-\d{2} \(in 0 days\)$/,
      ),
    });
    expect(statusOf(doctor.stdout, 'store')?.status).toBe('ok');
  });
});
