import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AppContext, openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../gateway/src/log/logger';
import { SessionStore } from '../../gateway/src/qbwc/session-store';
import type { QbwcSessionInfo } from '../../gateway/src/qbwc/work';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const fixtureDir = path.join(repoRoot, 'test/fixtures/qbwc');
export const qbxmlSchema = path.resolve(repoRoot, '../shared/reference/qbxml/qbxmlops130.xsd');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(fixtureDir, name), 'utf8');
}

/** A fixture answering another request: P&L fixtures are written for one month. */
export function withRequestId(xml: string, requestId: string): string {
  return xml.replace(/requestID="[^"]*"/, `requestID="${requestId}"`);
}

export interface TestContext {
  ctx: AppContext;
  dir: string;
  cleanup(): void;
}

export function openTestContext(env: Record<string, string> = {}): TestContext {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-qbwc-data-'));
  const ctx = openContext(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }, dir), {
    log: createLogger({ level: 'silent' }),
  });
  return {
    ctx,
    dir,
    cleanup() {
      ctx.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A session row as the SOAP shell creates it after authenticate. */
export function newSession(ctx: AppContext, qbXmlVersion = '13.0'): QbwcSessionInfo {
  const ticket = `ticket-${Math.random().toString(16).slice(2)}`;
  const sessionId = new SessionStore(ctx.db).insert({
    ticket,
    username: 'qb-bridge',
    now: new Date().toISOString(),
  });
  return { sessionId, ticket, companyFile: 'C:\\Company Files\\Acme.QBW', qbXmlVersion };
}
