import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { type FakeSheet, FakeSpreadsheet } from './spreadsheet';
import type { SyncFetch } from './sync-fetch';

/**
 * Apps Script's services as the add-on uses them, strict where production is strict: Document Properties
 * (strings, 9 KB a value), the document lock, UrlFetchApp (only hosts in the manifest's urlFetchWhitelist,
 * muteHttpExceptions honoured, blocking), ScriptApp triggers (hourly at most, one per kind per document),
 * HtmlService (only files that exist in the built bundle), Utilities (real HMAC-SHA256, signed bytes).
 * The built `Code.js` runs against them in `node:vm`.
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
}

export interface FetchRecord {
  method: string;
  url: string;
  status: number;
}

export interface Trigger {
  handler: string;
  kind: 'edit' | 'hourly';
  uid: string;
}

export interface AppsScript {
  spreadsheet: FakeSpreadsheet;
  properties: Map<string, string>;
  fetches: FetchRecord[];
  triggers: Trigger[];
  sidebars: string[];
  menu: Array<{ label: string; handler: string }>;
  lock: { held: boolean };
  /** The add-on's globals after loading Code.js. */
  globals: Record<string, (...args: unknown[]) => unknown>;
  run<T = unknown>(name: string, ...args: unknown[]): T;
  sheet(name: string): FakeSheet;
}

function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function formatDate(date: Date, timeZone: string, pattern: string): string {
  if (pattern !== 'yyyy-MM-dd')
    throw new Error(`stand-in formatDate supports yyyy-MM-dd only, got ${pattern}`);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function createAppsScript(options: StandinOptions): AppsScript {
  const spreadsheet = new FakeSpreadsheet(options.spreadsheetId, options.timeZone ?? 'Etc/UTC');
  const properties = new Map<string, string>();
  const fetches: FetchRecord[] = [];
  const triggers: Trigger[] = [];
  const sidebars: string[] = [];
  const menu: Array<{ label: string; handler: string }> = [];
  const lock = { held: false };
  const manifest = JSON.parse(fs.readFileSync(path.join(options.bundleDir, 'appsscript.json'), 'utf8')) as {
    urlFetchWhitelist?: string[];
  };
  const allowed = [...(manifest.urlFetchWhitelist ?? []), ...(options.allowUrls ?? [])];

  const documentProperties = {
    getProperty: (k: string) => properties.get(k) ?? null,
    getProperties: () => Object.fromEntries(properties),
    setProperty(k: string, v: string) {
      const value = String(v);
      if (value.length > 9 * 1024) throw new Error(`Argument too large: value (${k})`);
      properties.set(k, value);
      return documentProperties;
    },
    setProperties(values: Record<string, string>) {
      for (const [k, v] of Object.entries(values)) documentProperties.setProperty(k, v);
      return documentProperties;
    },
    deleteProperty(k: string) {
      properties.delete(k);
      return documentProperties;
    },
  };

  let fetchIndex = 0;
  const UrlFetchApp = {
    fetch(
      url: string,
      params: {
        method?: string;
        headers?: Record<string, string>;
        payload?: string;
        contentType?: string;
        muteHttpExceptions?: boolean;
      } = {},
    ) {
      if (!allowed.some((prefix) => url.startsWith(prefix))) {
        throw new Error(`Exception: The URL ${url} is not allowed by the manifest's urlFetchWhitelist.`);
      }
      const method = (params.method ?? 'get').toUpperCase();
      options.onFetch?.({ method, url }, fetchIndex++);
      const headers: Record<string, string> = { ...(params.headers ?? {}) };
      if (params.contentType) headers['content-type'] = params.contentType;
      const response = options.fetch.fetch(url, {
        method,
        headers,
        ...(params.payload !== undefined ? { body: params.payload } : {}),
      });
      fetches.push({ method, url, status: response.status });
      if (response.status >= 400 && !params.muteHttpExceptions) {
        throw new Error(`Exception: Request failed for ${url} returned code ${response.status}.`);
      }
      return {
        getResponseCode: () => response.status,
        getContentText: () => response.body,
        getHeaders: () => response.headers,
      };
    },
  };

  const triggerBuilder = (handler: string) => {
    const create = (kind: Trigger['kind']) => {
      if (triggers.some((t) => t.kind === kind)) {
        throw new Error(
          'This add-on has created too many triggers of this type in this document for this Google user account.',
        );
      }
      const trigger = { handler, kind, uid: crypto.randomUUID() };
      triggers.push(trigger);
      return { getHandlerFunction: () => handler, getUniqueId: () => trigger.uid };
    };
    return {
      forSpreadsheet: () => ({
        onEdit: () => ({ create: () => create('edit') }),
        onOpen: () => ({ create: () => create('edit') }),
      }),
      timeBased: () => ({
        everyMinutes: () => {
          throw new Error(
            'Add-ons may not create time-based triggers to run more frequently than once per hour.',
          );
        },
        everyHours: (n: number) => {
          if (![1, 2, 4, 6, 8, 12].includes(n)) throw new Error(`Invalid everyHours value ${n}`);
          return { create: () => create('hourly') };
        },
      }),
    };
  };

  const ui = {
    createAddonMenu() {
      const m = {
        addItem(label: string, handler: string) {
          menu.push({ label, handler });
          return m;
        },
        addSeparator: () => m,
        addToUi: () => undefined,
      };
      return m;
    },
    showSidebar(output: { getContent(): string }) {
      sidebars.push(output.getContent());
    },
    alert: (message: string) => {
      spreadsheet.toasts.push(String(message));
    },
  };

  const htmlOutput = (content: string) => {
    const out = {
      title: '',
      setTitle(t: string) {
        out.title = t;
        return out;
      },
      getContent: () => content,
    };
    return out;
  };

  const globals = {
    console,
    SpreadsheetApp: {
      getActiveSpreadsheet: () => spreadsheet,
      getActive: () => spreadsheet,
      getUi: () => ui,
    },
    PropertiesService: { getDocumentProperties: () => documentProperties },
    LockService: {
      getDocumentLock: () => ({
        tryLock: () => {
          if (lock.held) return false;
          lock.held = true;
          return true;
        },
        releaseLock: () => {
          lock.held = false;
        },
      }),
    },
    UrlFetchApp,
    ScriptApp: {
      getIdentityToken: () => options.identityToken?.() ?? null,
      getUserTriggers: () =>
        triggers.map((t) => ({ getHandlerFunction: () => t.handler, getUniqueId: () => t.uid })),
      deleteTrigger: (t: { getUniqueId(): string }) => {
        const i = triggers.findIndex((x) => x.uid === t.getUniqueId());
        if (i >= 0) triggers.splice(i, 1);
      },
      newTrigger: triggerBuilder,
    },
    HtmlService: {
      createHtmlOutputFromFile(name: string) {
        const file = path.join(options.bundleDir, `${name}.html`);
        if (!fs.existsSync(file)) throw new Error(`No HTML file named ${name} was found.`);
        return htmlOutput(fs.readFileSync(file, 'utf8'));
      },
      createHtmlOutput: (html: string) => htmlOutput(html),
    },
    Utilities: {
      computeHmacSha256Signature(value: string, key: string): number[] {
        return [...crypto.createHmac('sha256', key).update(value, 'utf8').digest()].map((b) =>
          b > 127 ? b - 256 : b,
        );
      },
      getUuid: () => crypto.randomUUID(),
      sleep: (ms: number) => sleep(ms * (options.sleepScale ?? 1)),
      formatDate,
    },
  };

  const context = vm.createContext(globals);
  vm.runInContext(fs.readFileSync(path.join(options.bundleDir, 'Code.js'), 'utf8'), context, {
    filename: 'Code.js',
  });
  const addon = context as unknown as Record<string, (...args: unknown[]) => unknown>;
  return {
    spreadsheet,
    properties,
    fetches,
    triggers,
    sidebars,
    menu,
    lock,
    globals: addon,
    run<T>(name: string, ...args: unknown[]): T {
      const fn = addon[name];
      if (typeof fn !== 'function') throw new Error(`The bundle has no top-level function ${name}`);
      // Results cross the realm boundary as plain data, as google.script.run would copy them.
      const result = fn(...args);
      return (result === undefined ? undefined : JSON.parse(JSON.stringify(result))) as T;
    },
    sheet(name: string) {
      const s = spreadsheet.getSheetByName(name);
      if (!s) throw new Error(`no sheet ${name}`);
      return s;
    },
  };
}
