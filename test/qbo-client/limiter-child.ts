/**
 * Runs in a separate process for limiter-processes.test.ts: a CLI-like process on the shared DATA_DIR with
 * its own context and QuickBooks client. Says "ready", waits for "go" on stdin, reads CompanyInfo COUNT
 * times at once through the client, and prints what happened as JSON.
 */
import { once } from 'node:events';
import { openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../gateway/src/log/logger';
import { createQboClient } from '../../gateway/src/qbo/http/client';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';

const dataDir = process.env.DATA_DIR ?? '';
const ctx = openContext(loadConfig(process.env, dataDir), { log: createLogger({ level: 'silent' }) });
const client = createQboClient(ctx, {
  tokens: createTokenVault(ctx),
  timeScale: Number(process.env.TIME_SCALE),
  limiterOptions: JSON.parse(process.env.LIMITER_OPTIONS ?? '{}'),
});
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.destroy();
const results = await Promise.allSettled(
  Array.from({ length: Number(process.env.COUNT) }, () => client.companyInfo()),
);
process.stdout.write(
  `${JSON.stringify({
    ok: results.filter((r) => r.status === 'fulfilled').length,
    errors: results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])),
    throttled: client.stats.throttled,
    doneAt: Date.now(),
  })}\n`,
);
ctx.close();
