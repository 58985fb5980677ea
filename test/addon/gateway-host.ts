/**
 * Runs in a worker thread: the real gateway (HTTP on loopback) on a store connected to a listening QBO
 * emulator, plus one played Web Connector session so QBR metrics exist. The add-on bundle runs in the
 * test's main thread, whose UrlFetchApp blocks while it waits — so the gateway cannot live there.
 * Messages: {id, op: 'entities', type} | {id, op: 'stop'} | {id, op: 'sql', sql} |
 * {id, op: 'faults', faults} (the emulator's next faults, e.g. 'drop-after-commit'; answers what is left).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createAddonKey } from '../../gateway/src/auth/addon/hmac';
import { playSession } from '../../gateway/src/qbwc/play/play-session';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { startServer } from '../../gateway/src/server/serve';
import { startHarness, testTimeScale } from '../qbo-client/helpers';

const config = workerData as Record<string, string>;
const h = await startHarness();
Object.assign(h.ctx.config, {
  QBO_DEFAULT_ITEM_ID: '1',
  QBO_DEFAULT_EXPENSE_ACCOUNT_ID: '7',
  QBWC_MIN_INTERVAL_MINUTES: 0,
  ...config,
});
const server = await startServer(h.ctx, 0, '127.0.0.1');
const { key } = createAddonKey(h.ctx);
saveCredentials(
  h.ctx.db,
  h.ctx.config.QBWC_USERNAME,
  await hashPassword('host-password', { N: 1024, r: 8, p: 1 }),
);
const played = await playSession({
  url: server.url,
  username: h.ctx.config.QBWC_USERNAME,
  password: 'host-password',
  noOpPauseMs: 0,
});

interface Message {
  id: number;
  op: string;
  type?: string;
  sql?: string;
  faults?: string[];
}

parentPort!.on('message', async (message: Message) => {
  let result: unknown;
  if (message.op === 'entities') result = h.emulator.entities(h.realm, message.type as 'Invoice');
  else if (message.op === 'audit')
    result = h.ctx.db
      .prepare("SELECT actor, action, target, outcome FROM audit_log WHERE action = 'addon.call'")
      .all();
  else if (message.op === 'faults') {
    h.emulator.faults.nextFaults.push(...((message.faults ?? []) as typeof h.emulator.faults.nextFaults));
    result = [...h.emulator.faults.nextFaults];
  } else if (message.op === 'sql') result = h.ctx.db.prepare(message.sql!).all();
  else if (message.op === 'stop') {
    await server.stop(1000);
    await h.server.close();
    result = true;
  }
  parentPort!.postMessage({ id: message.id, result });
});
// What a CLI child needs to work on this same store and emulator (e.g. the Excel the CLI writes).
const env = {
  ...config,
  DATA_DIR: h.ctx.config.dataDir,
  QBO_ENVIRONMENT: 'emulator',
  QBO_API_BASE_URL: h.server.url,
  QBO_REALM_ID: h.realm,
  QBO_EMULATOR_TIME_SCALE: String(testTimeScale),
};
parentPort!.postMessage({ ready: true, url: server.url, key, realm: h.realm, played: played.outcome, env });
