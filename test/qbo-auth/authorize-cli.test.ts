import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTokenRow } from '../../gateway/src/qbo/oauth/token-store';
import { startServer } from '../../gateway/src/server/serve';
import { freePort, openTestContext, type RunningTestEmulator, startEmulator, tempDataDir } from './helpers';

const cli = path.resolve(import.meta.dirname, '../../bin/qb-bridge.js');
let qbo: RunningTestEmulator;

beforeAll(async () => {
  qbo = await startEmulator();
});
afterAll(async () => {
  await qbo.close();
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first authorize URL the command prints (on stdout, or stderr with --json). */
  authorizeUrl: Promise<string>;
  exit: Promise<number | null>;
}

function runAuthorize(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [cli, 'authorize-qbo', ...args], {
    cwd: env.DATA_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let out = '';
  let err = '';
  let found: (url: string) => void = () => {};
  const authorizeUrl = new Promise<string>((resolve) => {
    found = resolve;
  });
  const look = () => {
    const match = /(http:\/\/\S+\/connect\/oauth2\?\S+)/.exec(out + err);
    if (match) found(match[1]!);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    look();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    look();
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, authorizeUrl, exit };
}

/** What a person does in the browser: open the URL and approve; returns where Intuit redirects them. */
async function approve(authorizeUrl: string): Promise<string> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('auto', '1');
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return response.headers.get('location')!;
}

function emulatorEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: qbo.url,
    QBO_AUTHORIZE_URL: `${qbo.url}/connect/oauth2`,
    QBO_TOKEN_URL: `${qbo.url}/oauth2/v1/tokens/bearer`,
    QBO_REVOKE_URL: `${qbo.url}/oauth2/v1/tokens/revoke`,
  };
}

describe('qb-bridge authorize-qbo', () => {
  it('accepts the pasted redirect URL with --no-listen and names the connected company', async () => {
    const dataDir = tempDataDir();
    const run = runAuthorize(['--no-listen'], emulatorEnv(dataDir));
    const redirect = await approve(await run.authorizeUrl);
    expect(redirect).toContain('http://127.0.0.1:8787/qbo/callback?');
    run.child.stdin.end(`${redirect}\n`);
    expect(await run.exit).toBe(0);
    expect(run.stdout()).toContain('Connected Sandbox Company_US_1 (realm 9341453000000000)');
    const ctx = openTestContext(dataDir, emulatorEnv(dataDir));
    try {
      expect(readTokenRow(ctx.db, qbo.emulator.realmId)).toMatchObject({
        status: 'connected',
        company_name: 'Sandbox Company_US_1',
      });
    } finally {
      ctx.close();
    }
  });

  it('listens on the redirect URI for the callback and prints JSON with --json', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const run = runAuthorize(['--json', '--timeout', '20'], {
      ...emulatorEnv(dataDir),
      QBO_REDIRECT_URI: `http://127.0.0.1:${port}/oauth/done`,
    });
    const redirect = await approve(await run.authorizeUrl);
    expect(redirect.startsWith(`http://127.0.0.1:${port}/oauth/done?`)).toBe(true);
    const page = await fetch(redirect);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Connected to Sandbox Company_US_1 (realm 9341453000000000)');
    expect(await run.exit).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual({
      realmId: qbo.emulator.realmId,
      companyName: 'Sandbox Company_US_1',
    });
  });

  it('lets a running gateway on the redirect port finish the connection it started', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const env = { ...emulatorEnv(dataDir), PORT: String(port) };
    const ctx = openTestContext(dataDir, env);
    const gateway = await startServer(ctx, port, '127.0.0.1');
    try {
      const run = runAuthorize(['--timeout', '20'], env);
      const redirect = await approve(await run.authorizeUrl);
      expect(redirect.startsWith(`http://127.0.0.1:${port}/qbo/callback?`)).toBe(true);
      expect((await fetch(redirect)).status).toBe(200);
      expect(await run.exit).toBe(0);
      expect(run.stderr()).toContain('already in use');
      expect(run.stdout()).toContain('Connected Sandbox Company_US_1 (realm 9341453000000000)');
    } finally {
      await gateway.stop(100);
    }
  });

  it('exits 4 and names the missing variable when QuickBooks is not configured', async () => {
    const dataDir = tempDataDir();
    const run = runAuthorize(['--no-listen'], { DATA_DIR: dataDir, QBO_ENVIRONMENT: 'production' });
    run.child.stdin.end();
    expect(await run.exit).toBe(4);
    expect(run.stderr()).toContain('QBO_CLIENT_ID is missing');
  });

  it('fails clearly when the pasted URL was not from this authorization', async () => {
    const dataDir = tempDataDir();
    const run = runAuthorize(['--no-listen'], emulatorEnv(dataDir));
    const redirect = new URL(await approve(await run.authorizeUrl));
    redirect.searchParams.set('state', 'some-other-state');
    run.child.stdin.end(`${redirect}\n`);
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toContain('does not match any connection this qb-bridge started');
  });
});
