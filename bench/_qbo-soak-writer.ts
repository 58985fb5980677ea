/**
 * One writer process of the exactly-once soak (`_qbo-soak.ts`): opens the shared store, says "started",
 * runs createMany over every input (which also settles what killed or paused runs left), prints its counts
 * as JSON and exits. The soak kills it with SIGKILL, stops it with SIGSTOP, or lets it finish.
 */
import fs from 'node:fs';
import { openContext } from '../gateway/src/app/context';
import { loadConfig } from '../gateway/src/config/load';
import { createLogger } from '../gateway/src/log/logger';
import { createMany } from '../gateway/src/qbo/exactly-once/batch';
import { QboLedger } from '../gateway/src/qbo/exactly-once/ledger';
import type { CreateInput } from '../gateway/src/qbo/exactly-once/write-once';
import { createQboClient } from '../gateway/src/qbo/http/client';
import { createTokenVault } from '../gateway/src/qbo/oauth/token-vault';

const env = process.env;
const ctx = openContext(loadConfig(env, env.DATA_DIR ?? ''), { log: createLogger({ level: 'silent' }) });
const client = createQboClient(ctx, {
  tokens: createTokenVault(ctx),
  timeScale: Number(env.SOAK_TIME_SCALE),
  timeoutMs: env.SOAK_TIMEOUT_MS ? Number(env.SOAK_TIMEOUT_MS) : undefined,
  visibilityMarginMs: env.SOAK_MARGIN_MS ? Number(env.SOAK_MARGIN_MS) : undefined,
});
const inputs = JSON.parse(fs.readFileSync(env.SOAK_INPUTS ?? '', 'utf8')) as CreateInput[];
process.stdout.write('started\n');
try {
  const outcomes = await createMany(client, new QboLedger(ctx.db), inputs);
  const count = (state: string) => outcomes.filter((o) => o.state === state).length;
  process.stdout.write(
    `${JSON.stringify({ created: count('created'), pending: count('pending'), rejected: count('rejected') })}\n`,
  );
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
} finally {
  ctx.close();
}
