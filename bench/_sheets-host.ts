/**
 * Worker-thread host for bench/sheets.ts: the gateway on loopback, on a fresh store connected to a
 * listening emulator that enforces Intuit's limits on a scaled clock (the gateway's client runs at the same
 * scale). The add-on runs in the bench's main thread, whose UrlFetchApp blocks, so the gateway lives here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openContext } from '../gateway/src/app/context';
import { createAddonKey } from '../gateway/src/auth/addon/hmac';
import { loadConfig } from '../gateway/src/config/load';
import { createLogger } from '../gateway/src/log/logger';
import { parseTokenResponse } from '../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../gateway/src/qbo/oauth/token-vault';
import { createEmulator } from '../gateway/src/sandbox/emulator';
import { startServer } from '../gateway/src/server/serve';

const { timeScale } = workerData as { timeScale: number };
const emulator = createEmulator({ timeScale, accessTokenTtlSeconds: 3600 * timeScale });
const listening = await emulator.listen(0, '127.0.0.1');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-sheets-'));
const ctx = openContext(
  loadConfig(
    {
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      QBO_ENVIRONMENT: 'emulator',
      QBO_API_BASE_URL: listening.url,
      QBO_REALM_ID: emulator.realmId,
      QBO_EMULATOR_TIME_SCALE: String(timeScale),
      QBO_DEFAULT_ITEM_ID: String(emulator.entities(emulator.realmId, 'Item')[0]?.Id),
      SHEETS_ELIGIBLE_STATUSES: 'ready',
    },
    dir,
  ),
  { log: createLogger({ level: 'silent' }) },
);
createTokenVault(ctx).saveFromCodeExchange(emulator.realmId, parseTokenResponse(emulator.issueTokens()), {
  actor: 'bench',
});
const server = await startServer(ctx, 0, '127.0.0.1');
const { key } = createAddonKey(ctx);

parentPort!.on('message', async (m: { id: number; op: string }) => {
  let result: unknown;
  if (m.op === 'invoices')
    result = emulator.entities(emulator.realmId, 'Invoice').map((i) => String(i.DocNumber));
  else if (m.op === 'jobs')
    result = ctx.jobs.list({ flow: 'sheets' }).map((j) => ({
      startedAt: j.startedAt,
      finishedAt: j.finishedAt,
      total: j.total,
      // When the first and last rows settled: the first says how long parties and planning took.
      ...(ctx.db
        .prepare(
          'SELECT MIN(updated_at) AS firstAt, MAX(updated_at) AS lastAt FROM sheets_results WHERE job_id = ?',
        )
        .get(j.id) as { firstAt: string | null; lastAt: string | null }),
    }));
  else if (m.op === 'stats') result = { ...emulator.stats(), limits: emulator.limits };
  else if (m.op === 'stop') {
    await server.stop(1000);
    await listening.close();
    fs.rmSync(dir, { recursive: true, force: true });
    result = true;
  }
  parentPort!.postMessage({ id: m.id, result });
});
parentPort!.postMessage({
  ready: true,
  url: server.url,
  key,
  customers: emulator.entities(emulator.realmId, 'Customer').map((c) => String(c.DisplayName)),
});
