import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { createQboClient } from '../../gateway/src/qbo/http/client';
import type { LimiterOptions } from '../../gateway/src/qbo/limits/limiter';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { createEmulator, type Emulator, type RunningEmulator } from '../../gateway/src/sandbox/emulator';
import { bundleChildScript } from '../helpers/child-script';
import { tempDir, testContext } from '../helpers/context';

/**
 * `qb-bridge serve` (this test process) and a CLI command (a child process) on the same store and realm,
 * against an emulator enforcing Intuit's limits. A QuickBooks minute lasts 2 s here.
 *
 * The clients run under the emulator's limits (450/min and 6/s against 500 and 10): our limiter admits
 * exactly up to its limits in the worst window, and a loaded machine (CI runs other suites beside this one)
 * can hold a process's requests back and release them together, which at a compressed time scale would be
 * enough to make a correct limiter look wrong. 4 requests of headroom per QuickBooks second absorb that.
 */
const timeScale = 20;
const requestsPerSecond = 6;
const callsPerProcess = 200;
const limiterOptions: Omit<LimiterOptions, 'timeScale'> = {
  limits: { requestsPerMinute: 450, requestsPerSecond },
};
let childBundle: string;

let emulator: Emulator;
let server: RunningEmulator;

beforeAll(async () => {
  emulator = createEmulator({ timeScale, accessTokenTtlSeconds: 3600 * timeScale });
  server = await emulator.listen(0, '127.0.0.1');
  childBundle = await bundleChildScript(path.join(import.meta.dirname, 'limiter-child.ts'));
});
afterAll(async () => {
  await server.close();
});

interface ChildReport {
  ok: number;
  errors: string[];
  throttled: number;
  doneAt: number;
}

/** Starts the CLI-like child on `dataDir`; resolves once it is ready, with a `go` that runs it. */
async function startChild(dataDir: string, count: number) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [childBundle], {
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      QBO_ENVIRONMENT: 'emulator',
      QBO_API_BASE_URL: server.url,
      QBO_REALM_ID: emulator.realmId,
      TIME_SCALE: String(timeScale),
      LIMITER_OPTIONS: JSON.stringify(limiterOptions),
      COUNT: String(count),
    },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
    }),
  );
  return {
    go: () => child.stdin.end('go\n'),
    async report(): Promise<ChildReport> {
      expect(await exited, err).toBe(0);
      return JSON.parse(out.slice(out.indexOf('{'))) as ChildReport;
    },
  };
}

function connectedStore(): { dataDir: string; ctx: AppContext } {
  const dataDir = tempDir();
  const ctx = testContext({
    DATA_DIR: dataDir,
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: server.url,
    QBO_REALM_ID: emulator.realmId,
  });
  createTokenVault(ctx).saveFromCodeExchange(emulator.realmId, parseTokenResponse(emulator.issueTokens()), {
    actor: 'test',
  });
  return { dataDir, ctx };
}

describe('rate limit shared by two processes on one store', () => {
  it('keeps serve and a CLI command together inside the limits: no 429, combined pace as for one', async () => {
    const { dataDir, ctx } = connectedStore();
    try {
      const client = createQboClient(ctx, { tokens: createTokenVault(ctx), timeScale, limiterOptions });
      const child = await startChild(dataDir, callsPerProcess);
      const throttledBefore = emulator.stats().throttled;
      const started = Date.now();
      child.go();
      const mine = await Promise.allSettled(
        Array.from({ length: callsPerProcess }, () => client.companyInfo()),
      );
      const theirs = await child.report();
      const elapsedMs = Math.max(Date.now(), theirs.doneAt) - started;

      expect(mine.filter((r) => r.status === 'fulfilled')).toHaveLength(callsPerProcess);
      expect(theirs).toMatchObject({ ok: callsPerProcess, errors: [], throttled: 0 });
      expect(client.stats.throttled).toBe(0);
      expect(emulator.stats().throttled - throttledBefore).toBe(0);
      // 400 calls at 6/s (5/s steady + 1 burst) take 400/5 QuickBooks seconds = 4 s here; each process
      // on its own budget would have finished in half that.
      const total = 2 * callsPerProcess;
      const steady = requestsPerSecond - 1;
      const minimumMs = ((total - 2) / steady) * (1000 / timeScale);
      expect(elapsedMs).toBeGreaterThan(minimumMs * 0.95);
      console.info(`two processes, ${total} calls: ${elapsedMs} ms (floor ${Math.round(minimumMs)} ms)`);
    } finally {
      ctx.close();
    }
  }, 30_000);

  it('holds the CLI command back while serve is paused by a 429', async () => {
    const { dataDir, ctx } = connectedStore();
    try {
      // QuickBooks answers serve's first call with its recorded throttle body (qbo-api.md §2.2).
      let throttledAt = 0;
      const throttleOnce: typeof fetch = async (input, init) => {
        if (throttledAt === 0) {
          throttledAt = Date.now();
          const body = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="2016-12-07T15:27:09.527-08:00" xmlns="http://schema.intuit.com/finance/v3">
  <Fault type="SERVICE"><Error code="3001">
    <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
    <Detail>The request limit was reached.  Try again later</Detail>
  </Error></Fault>
</IntuitResponse>`;
          return new Response(body, { status: 429, headers: { 'content-type': 'application/xml' } });
        }
        return fetch(input, init);
      };
      const client = createQboClient(ctx, {
        tokens: createTokenVault(ctx),
        timeScale,
        limiterOptions,
        fetch: throttleOnce,
      });
      const child = await startChild(dataDir, 1);
      const serving = client.companyInfo();
      while (throttledAt === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      // Let serve's client record the pause before the CLI command starts.
      await new Promise((resolve) => setTimeout(resolve, 50));
      child.go();
      const theirs = await child.report();
      await serving;

      expect(theirs).toMatchObject({ ok: 1, errors: [] });
      // Intuit's 60 s (scaled: 2 s) pause applies to the child, which never saw a 429 itself.
      const pauseMs = 60_000 / timeScale;
      expect(theirs.doneAt - throttledAt).toBeGreaterThanOrEqual(pauseMs - 5);
      expect(client.stats.throttled).toBe(1);
    } finally {
      ctx.close();
    }
  }, 30_000);
});
