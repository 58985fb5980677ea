import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../gateway/src/app/context';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../gateway/src/log/logger';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { createApp } from '../../gateway/src/server/app';
import { dataDirError } from '../../gateway/src/store/database';
import { cliPath, runCli, runCliAsync } from '../helpers/cli';
import { tempDir, testContext } from '../helpers/context';

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const held: net.Server[] = [];
afterEach(async () => {
  for (const s of held.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

describe('errors that are one line with the fix', () => {
  it('a DATA_DIR that cannot hold the store', () => {
    const dir = tempDir();
    const file = path.join(dir, 'not-a-folder');
    fs.writeFileSync(file, '');
    const run = spawnSync(process.execPath, [cliPath, 'migrate'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(file, 'data') },
      encoding: 'utf8',
    });
    const result = { code: run.status, stderr: run.stderr };
    expect(result.code).toBe(4);
    expect(lines(result.stderr)).toEqual([
      `Configuration error: DATA_DIR ${path.join(file, 'data')} is below a file, not a folder; set DATA_DIR to a folder this user can write (for example DATA_DIR=./data)`,
    ]);
    const readOnly = Object.assign(new Error('EROFS: read-only file system, mkdir'), { code: 'EROFS' });
    expect(dataDirError(readOnly, '/srv/qb').message).toBe(
      'DATA_DIR /srv/qb is on a read-only file system; set DATA_DIR to a folder this user can write (for example DATA_DIR=./data)',
    );
  });

  it('serve on a port that is in use, with a --port hint', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    held.push(blocker);
    const port = (blocker.address() as AddressInfo).port;
    const result = await runCliAsync(['serve', '--port', String(port), '--host', '127.0.0.1'], {
      DATA_DIR: tempDir(),
      LOG_LEVEL: 'warn',
    });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `Port ${port} is already in use on 127.0.0.1 (another qb-bridge or program holds it); stop that program or choose another port with --port ${port + 1} (or PORT=${port + 1})`,
    ]);
  });

  it('play-session against a URL where nothing listens', async () => {
    const port = await closedPort();
    const result = runCli(
      ['qbwc', 'play-session', '--url', `http://127.0.0.1:${port}`, '--username', 'u', '--password-stdin'],
      { DATA_DIR: tempDir() },
      'some-password\n',
    );
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `Could not connect to 127.0.0.1:${port}: nothing is listening there; start it (e.g. \`qb-bridge serve\`) or check --url and the port`,
    ]);
  });

  it('test-connections with the emulator down answers at once in one sentence', async () => {
    const dir = tempDir();
    const port = await closedPort();
    const env = {
      DATA_DIR: dir,
      QBO_ENVIRONMENT: 'emulator',
      QBO_API_BASE_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
    };
    const ctx: AppContext = openContext(loadConfig(env, dir), { log: createLogger({ level: 'silent' }) });
    createTokenVault(ctx).saveFromCodeExchange(
      '9341453000000000',
      {
        accessToken: 'a',
        refreshToken: 'r',
        expiresInSec: 3600,
        refreshExpiresInSec: 86_400,
        hardExpiresInSec: null,
      },
      { actor: 'test' },
    );
    ctx.close();
    const result = await runCliAsync(['test-connections'], env);
    expect(result.code).toBe(1);
    // The old client backed off four times (15-30 s of waits); a check now makes one attempt.
    expect(result.ms).toBeLessThan(12_000);
    expect(lines(result.stderr)).toEqual([
      `QuickBooks could not be reached at http://127.0.0.1:${port} (connection failed); is the emulator or QBO_API_BASE_URL server running (\`qb-bridge qbo-emulator\`)?`,
    ]);
  });

  it('test-connections --json when nothing is connected still prints JSON', () => {
    const result = runCli(['test-connections', '--json'], {
      DATA_DIR: tempDir(),
      QBO_ENVIRONMENT: 'emulator',
    });
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      environment: 'emulator',
      exitCode: 4,
      message: 'QuickBooks is not connected yet; run `qb-bridge authorize-qbo` to connect a company',
    });
  });

  it('set-password refuses --password-stdin together with --generate', () => {
    const dir = tempDir();
    const result = runCli(
      ['qbwc', 'set-password', '--password-stdin', '--generate'],
      { DATA_DIR: dir },
      'pw\n',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/option '--password-stdin' cannot be used with option '--generate'/);
    expect(fs.existsSync(path.join(dir, 'qb-bridge.db'))).toBe(false);
  });

  it('/api/jobs?flow=bogus says the flow is unknown instead of answering an empty list', async () => {
    const ctx = testContext();
    const { token } = createApiToken(ctx.db, 'reader');
    const app = createApp(ctx);
    const headers = { Authorization: `Bearer ${token}` };
    const bogus = await app.request('/api/jobs?flow=bogus', { headers });
    expect(bogus.status).toBe(400);
    expect(await bogus.json()).toMatchObject({
      success: false,
      message: 'Unknown flow "bogus"; use one of sheets, mis, zimbra, qbwc (or leave flow out for all jobs)',
    });
    expect((await app.request('/api/jobs?flow=qbwc', { headers })).status).toBe(200);
    ctx.jobs.start({ flow: 'reports', total: 1, startedBy: 'test' });
    expect((await app.request('/api/jobs?flow=reports', { headers })).status).toBe(200);
  });
});
