import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createMailApp, createSession, type SentMail } from './mail-app';
import { createDocumentProperties, createLockService } from './properties-service';
import { advanceClock, type Clock, createScriptApp, type Trigger } from './script-app';
import { type FakeSheet, FakeSpreadsheet } from './spreadsheet';
import type { SyncFetch } from './sync-fetch';
import { createHtmlService, createUi } from './ui-service';
import { createUrlFetchApp, type FetchRecord } from './url-fetch-app';
import { createUtilities } from './utilities';

export type { SentMail } from './mail-app';
export type { Trigger } from './script-app';
export type { FetchRecord } from './url-fetch-app';

/**
 * Apps Script's services as the add-on uses them, strict where production is strict: Document Properties
 * (strings, 9 KB a value), the document lock, UrlFetchApp (only hosts in the manifest's urlFetchWhitelist,
 * muteHttpExceptions honoured, blocking), ScriptApp triggers (hourly at most, one per type per document)
 * and a clock that fires the time-driven ones, HtmlService (only files that exist in the built bundle),
 * Utilities (real HMAC-SHA256, signed bytes), MailApp (a daily quota) and Session. One file per service;
 * the built `Code.js` runs against them in `node:vm`.
 */
export interface StandinOptions {
  spreadsheetId: string;
  /** Directory of the built add-on (Code.js, Sidebar.html, appsscript.json). */
  bundleDir: string;
  fetch: SyncFetch;
  /** Extra allowed URL prefixes (tests and the demo gateway on http://127.0.0.1). */
  allowUrls?: string[];
  identityToken?: () => string | null;
  /** Utilities.sleep(ms) really waits ms × sleepScale. */
  sleepScale?: number;
  timeZone?: string;
  /** Called before each UrlFetchApp call with the call's index (tests change the sheet mid-job here). */
  onFetch?: (request: { method: string; url: string }, index: number) => void;
  /** The installing user (Session, MailApp's recipient). */
  userEmail?: string;
  /** MailApp's remaining daily quota at the start. */
  mailQuota?: number;
  /** Where the trigger clock starts (default: now). */
  clockStart?: Date;
}

export interface AppsScript {
  spreadsheet: FakeSpreadsheet;
  properties: Map<string, string>;
  fetches: FetchRecord[];
  triggers: Trigger[];
  sidebars: string[];
  menu: Array<{ label: string; handler: string }>;
  mails: SentMail[];
  lock: { held: boolean };
  clock: Clock;
  /** The add-on's globals after loading Code.js. */
  globals: Record<string, (...args: unknown[]) => unknown>;
  run<T = unknown>(name: string, ...args: unknown[]): T;
  sheet(name: string): FakeSheet;
  /** Moves the trigger clock to `to`, firing the time-driven triggers due on the way. */
  advanceClock(to: Date): Array<{ handler: string; at: string }>;
}

export function createAppsScript(options: StandinOptions): AppsScript {
  const timeZone = options.timeZone ?? 'Etc/UTC';
  const spreadsheet = new FakeSpreadsheet(options.spreadsheetId, timeZone);
  const properties = new Map<string, string>();
  const fetches: FetchRecord[] = [];
  const triggers: Trigger[] = [];
  const sidebars: string[] = [];
  const menu: Array<{ label: string; handler: string }> = [];
  const mails: SentMail[] = [];
  const lock = { held: false };
  const clock: Clock = { now: options.clockStart ?? new Date() };
  const manifest = JSON.parse(fs.readFileSync(path.join(options.bundleDir, 'appsscript.json'), 'utf8')) as {
    urlFetchWhitelist?: string[];
  };
  const allowed = [...(manifest.urlFetchWhitelist ?? []), ...(options.allowUrls ?? [])];

  const globals = {
    console,
    SpreadsheetApp: {
      getActiveSpreadsheet: () => spreadsheet,
      getActive: () => spreadsheet,
      getUi: () => createUi(spreadsheet, menu, sidebars),
    },
    PropertiesService: { getDocumentProperties: () => createDocumentProperties(properties) },
    LockService: createLockService(lock),
    UrlFetchApp: createUrlFetchApp({ allowed, fetch: options.fetch, fetches, onFetch: options.onFetch }),
    ScriptApp: createScriptApp(triggers, () => options.identityToken?.() ?? null),
    HtmlService: createHtmlService(options.bundleDir),
    Utilities: createUtilities(options.sleepScale ?? 1),
    MailApp: createMailApp(mails, { remaining: options.mailQuota ?? 100 }),
    Session: createSession(options.userEmail ?? 'books@example.com'),
  };

  const context = vm.createContext(globals);
  vm.runInContext(fs.readFileSync(path.join(options.bundleDir, 'Code.js'), 'utf8'), context, {
    filename: 'Code.js',
  });
  const addon = context as unknown as Record<string, (...args: unknown[]) => unknown>;
  const run = <T>(name: string, ...args: unknown[]): T => {
    const fn = addon[name];
    if (typeof fn !== 'function') throw new Error(`The bundle has no top-level function ${name}`);
    // Results cross the realm boundary as plain data, as google.script.run would copy them.
    const result = fn(...args);
    return (result === undefined ? undefined : JSON.parse(JSON.stringify(result))) as T;
  };
  return {
    spreadsheet,
    properties,
    fetches,
    triggers,
    sidebars,
    menu,
    mails,
    lock,
    clock,
    globals: addon,
    run,
    sheet(name: string) {
      const s = spreadsheet.getSheetByName(name);
      if (!s) throw new Error(`no sheet ${name}`);
      return s;
    },
    advanceClock: (to) =>
      advanceClock(clock, to, triggers, timeZone, (handler, event) => run(handler, event)),
  };
}
