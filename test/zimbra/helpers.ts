import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../gateway/src/app/context';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { createEmulator, type Emulator, type RunningEmulator } from '../../gateway/src/sandbox/emulator';
import { formatReport, reportFileName } from '../../gateway/src/zimbra/report/format-report';
import { tempDir, testContext } from '../helpers/context';

export const timeScale = 600;

export interface ZimbraHarness {
  emulator: Emulator;
  server: RunningEmulator;
  ctx: AppContext;
  realm: string;
  reportDir: string;
  dataDir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A listening emulator, a store connected to it, and a local report folder as the Zimbra source. */
export async function startZimbraHarness(): Promise<ZimbraHarness> {
  const emulator = createEmulator({ timeScale, accessTokenTtlSeconds: 3600 * timeScale });
  const server = await emulator.listen(0, '127.0.0.1');
  const dataDir = tempDir('qbb-zimbra-');
  const reportDir = path.join(dataDir, 'reports');
  fs.mkdirSync(reportDir);
  const env = {
    DATA_DIR: dataDir,
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: server.url,
    QBO_REALM_ID: emulator.realmId,
    QBO_EMULATOR_TIME_SCALE: String(timeScale),
    ZIMBRA_REPORT_PATH: reportDir,
  };
  const ctx = testContext(env);
  createTokenVault(ctx).saveFromCodeExchange(emulator.realmId, parseTokenResponse(emulator.issueTokens()), {
    actor: 'test',
  });
  return {
    emulator,
    server,
    ctx,
    realm: emulator.realmId,
    reportDir,
    dataDir,
    env,
    async close() {
      ctx.close();
      await server.close();
    },
  };
}

export type Usage = ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, number]>]>;

export function writeReport(dir: string, date: string, usage: Usage, extra = ''): void {
  fs.writeFileSync(path.join(dir, reportFileName(date)), formatReport(date, usage) + extra);
}

export function customerIdOf(emulator: Emulator, realm: string, name: string): string {
  const found = emulator.entities(realm, 'Customer').find((c) => c.DisplayName === name);
  if (!found) throw new Error(`no customer ${name}`);
  return String(found.Id);
}

export function itemIdOf(emulator: Emulator, realm: string, name: string): string {
  const found = emulator.entities(realm, 'Item').find((c) => c.Name === name);
  if (!found) throw new Error(`no item ${name}`);
  return String(found.Id);
}

export function invoicesOf(emulator: Emulator, realm: string): Array<Record<string, unknown>> {
  return [...emulator.entities(realm, 'Invoice')];
}
