import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from '../gateway/src/app/context';
import { loadConfig } from '../gateway/src/config/load';
import { createLogger } from '../gateway/src/log/logger';
import { parseTokenResponse } from '../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../gateway/src/qbo/oauth/token-vault';
import { createEmulator } from '../gateway/src/sandbox/emulator';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * The token vault sits in front of every QuickBooks call: what a fresh-token lookup costs, and how long
 * 50 callers wait when the token expires (one refresh through the emulator over loopback HTTP).
 */
export async function run(): Promise<Array<Record<string, unknown>>> {
  const emulator = createEmulator();
  const running = await emulator.listen(0, '127.0.0.1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-vault-'));
  const env = {
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: running.url,
  };
  const log = createLogger({ level: 'silent' });
  const a = openContext(loadConfig(env, dir), { log });
  const b = openContext(loadConfig(env, dir), { log });
  const realm = emulator.realmId;
  const rows: Array<Record<string, unknown>> = [];
  try {
    createTokenVault(a).saveFromCodeExchange(realm, parseTokenResponse(emulator.issueTokens()), {
      actor: 'bench',
    });

    const fresh = createTokenVault(a);
    const n = 20_000;
    let started = performance.now();
    for (let i = 0; i < n; i++) await fresh.accessToken(realm);
    rows.push({
      metric: 'fresh_access_token_per_s',
      value: Math.round(n / ((performance.now() - started) / 1000)),
      n,
    });

    const rounds = 30;
    let clock = Date.now();
    const single: number[] = [];
    const twoConnections: number[] = [];
    const refreshesBefore = emulator.stats().tokenRefreshes;
    for (let round = 0; round < rounds; round++) {
      clock += 61 * 60_000;
      const vault = createTokenVault(a, { now: () => clock });
      started = performance.now();
      await Promise.all(Array.from({ length: 50 }, () => vault.accessToken(realm)));
      single.push(performance.now() - started);

      clock += 61 * 60_000;
      const va = createTokenVault(a, { now: () => clock, pollIntervalMs: 10 });
      const vb = createTokenVault(b, { now: () => clock, pollIntervalMs: 10 });
      started = performance.now();
      await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? va : vb).accessToken(realm)));
      twoConnections.push(performance.now() - started);
    }
    const refreshes = emulator.stats().tokenRefreshes - refreshesBefore;
    single.sort((x, y) => x - y);
    twoConnections.sort((x, y) => x - y);
    const ms = (v: number) => Math.round(v * 10) / 10;
    rows.push({
      metric: 'expiry_50_callers_one_connection_ms',
      p50: ms(percentile(single, 0.5)),
      p95: ms(percentile(single, 0.95)),
      rounds,
    });
    rows.push({
      metric: 'expiry_50_callers_two_connections_ms',
      p50: ms(percentile(twoConnections, 0.5)),
      p95: ms(percentile(twoConnections, 0.95)),
      rounds,
    });
    rows.push({ metric: 'refreshes_per_expiry', value: refreshes / (2 * rounds), rounds: 2 * rounds });
  } finally {
    a.close();
    b.close();
    await running.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
