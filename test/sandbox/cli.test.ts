import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../helpers/cli';

const children: Array<ReturnType<typeof spawn>> = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts `qb-bridge qbo-emulator --json` and resolves with the printed connection details. */
function startEmulator(args: string[]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qbo-emulator-cli-'));
  dirs.push(dir);
  const child = spawn(process.execPath, [cliPath, 'qbo-emulator', '--port', '0', '--json', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dir },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch {
        // not complete yet
      }
    });
    child.once('exit', (code) => reject(new Error(`qbo-emulator exited with ${code}: ${out}`)));
  });
}

describe('qb-bridge qbo-emulator', () => {
  it('serves OAuth and the API on the printed URL with the printed client credentials', async () => {
    const info = await startEmulator(['--time-scale', '60', '--client-id', 'cli-client']);
    expect(info).toMatchObject({ clientId: 'cli-client', timeScale: 60, realmId: '9341453000000000' });
    const url = String(info.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const authorize = await fetch(
      `${url}/connect/oauth2?client_id=cli-client&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri=${encodeURIComponent('http://127.0.0.1:1/cb')}&state=s&auto=1`,
      { redirect: 'manual' },
    );
    expect(authorize.status).toBe(302);
    const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const token = await fetch(`${url}/oauth2/v1/tokens/bearer`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`cli-client:${String(info.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'http://127.0.0.1:1/cb',
      }),
    });
    const pair = (await token.json()) as { access_token: string; expires_in: number };
    expect(pair.expires_in).toBe(60);
    const items = await fetch(
      `${url}/v3/company/${String(info.realmId)}/query?query=select%20*%20from%20Item`,
      {
        headers: { authorization: `Bearer ${pair.access_token}` },
      },
    );
    expect(((await items.json()) as { QueryResponse: { maxResults: number } }).QueryResponse.maxResults).toBe(
      6,
    );
  });

  it('refuses a bad time scale with a usage error', () => {
    const result = runCli(['qbo-emulator', '--time-scale', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--time-scale must be a positive number');
  });
});
