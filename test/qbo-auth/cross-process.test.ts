import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { bundleChildScript } from '../helpers/child-script';
import {
  connectDirectly,
  openTestContext,
  type RunningTestEmulator,
  startEmulator,
  tempDataDir,
} from './helpers';

// Inside the repo's node_modules so the bundle's external packages (better-sqlite3, …) resolve.
let childBundle: string;

let qbo: RunningTestEmulator;
let proxy: http.Server;
let proxyUrl: string;
let tokenRequests = 0;

/**
 * A slow loopback hop in front of the emulator's token endpoint: it counts every token request and holds
 * each for 300 ms, so both processes are sure to be racing while the first refresh is in flight.
 */
function startSlowTokenProxy(target: string): Promise<void> {
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      tokenRequests += 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const headers: Record<string, string> = {};
      for (const key of [
        'authorization',
        'content-type',
        'accept',
        'x-include-refresh-token-hard-expires-in',
      ]) {
        const value = req.headers[key];
        if (typeof value === 'string') headers[key] = value;
      }
      const answer = await fetch(target, { method: req.method, headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () => {
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/oauth2/v1/tokens/bearer`;
      resolve();
    }),
  );
}

beforeAll(async () => {
  qbo = await startEmulator();
  await startSlowTokenProxy(`${qbo.url}/oauth2/v1/tokens/bearer`);
  childBundle = await bundleChildScript(path.join(import.meta.dirname, 'fixtures/refresh-child.ts'));
});
afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await qbo.close();
});

describe('refresh across processes', () => {
  it('lets exactly one of two processes refresh; both get the same new token', async () => {
    const dataDir = tempDataDir();
    const env = { ...qbo.overrideEnv, QBO_TOKEN_URL: proxyUrl };
    const ctx = openTestContext(dataDir, env);
    try {
      const first = connectDirectly(createTokenVault(ctx), qbo.emulator);
      const expired = Date.now() + 61 * 60_000;
      const vault = createTokenVault(ctx, { now: () => expired, pollIntervalMs: 10 });
      const child = spawn(process.execPath, [childBundle], {
        env: {
          PATH: process.env.PATH ?? '',
          ...env,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'silent',
          VAULT_NOW: String(expired),
          REALM_ID: qbo.emulator.realmId,
          COUNT: '25',
        },
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('ready\n')) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await ready;
      const refreshesBefore = qbo.emulator.stats().tokenRefreshes;
      const requestsBefore = tokenRequests;

      child.stdin.end('go\n');
      const mine = await Promise.all(
        Array.from({ length: 25 }, () => vault.accessToken(qbo.emulator.realmId)),
      );
      expect(await exited, err).toBe(0);
      const theirs = (JSON.parse(out.slice(out.indexOf('{'))) as { tokens: string[] }).tokens;

      expect(new Set([...mine, ...theirs]).size).toBe(1);
      expect(mine[0]).not.toBe(first.accessToken);
      expect(tokenRequests - requestsBefore).toBe(1);
      expect(qbo.emulator.stats().tokenRefreshes - refreshesBefore).toBe(1);
    } finally {
      ctx.close();
    }
  });
});
