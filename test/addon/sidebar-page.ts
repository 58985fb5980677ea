import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from '../helpers/cli';

/**
 * The built Sidebar.html in headless Chromium (Debian `chromium`), with a google.script.run stub as strict
 * as production: only server functions that are top-level in the built Code.js, plain-data arguments only
 * (a Date, function or DOM node fails the call), at most 10 calls in flight, callbacks always asynchronous.
 * Screenshots go under dist/test-output/sidebar (not committed).
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const html = fs.readFileSync(path.join(repoRoot, 'dist/addon/Sidebar.html'), 'utf8');
export const serverFunctions = [
  ...fs.readFileSync(path.join(repoRoot, 'dist/addon/Code.js'), 'utf8').matchAll(/^function (\w+)\(/gm),
].map((m) => m[1]!);
export const shots = path.join(repoRoot, 'dist/test-output/sidebar');

const stub = (names: string[]) => `
(() => {
  const allowed = new Set(${JSON.stringify(names)});
  window.__gasCalls = [];
  let inFlight = 0;
  const queue = [];
  function plain(v, seen) {
    if (v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v)) return true;
    if (typeof v === 'function' || v instanceof Date || v instanceof Node) return false;
    if (seen.has(v)) return false;
    seen.add(v);
    const ok = Array.isArray(v) ? v.every((x) => plain(x, seen)) : Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every((x) => plain(x, seen));
    seen.delete(v);
    return ok;
  }
  function start(job) {
    inFlight++;
    window.__gasServe(job.name, JSON.stringify(job.args)).then((answer) => {
      const { ok, value } = JSON.parse(answer);
      setTimeout(() => {
        inFlight--;
        if (ok) job.success && job.success(value); else job.failure && job.failure(new Error(value));
        if (queue.length) start(queue.shift());
      }, 0);
    });
  }
  function runner(success, failure) {
    return new Proxy({}, {
      get(_, name) {
        if (name === 'withSuccessHandler') return (fn) => runner(fn, failure);
        if (name === 'withFailureHandler') return (fn) => runner(success, fn);
        if (name === 'withUserObject') return () => runner(success, failure);
        return (...args) => {
          window.__gasCalls.push({ name, args });
          if (!allowed.has(name)) { setTimeout(() => failure && failure(new Error('Script function not found: ' + name)), 0); return; }
          if (!args.every((a) => plain(a, new Set()))) { setTimeout(() => failure && failure(new Error('Invalid argument for ' + name)), 0); return; }
          const job = { name, args: JSON.parse(JSON.stringify(args)), success, failure };
          if (inFlight >= 10) queue.push(job); else start(job);
        };
      },
    });
  }
  window.google = { script: { run: runner(), host: { close() {}, setHeight() {}, setWidth() {}, editor: { focus() {} } } } };
})();`;

/** A server function's answer: a value, or computed from the call's arguments (a job polled twice). */
export type Answer = unknown | ((args: unknown[]) => unknown);

export interface Scenario {
  state: Record<string, unknown>;
  answers?: Record<string, Answer>;
}

export async function launch(): Promise<Browser> {
  fs.mkdirSync(shots, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}

export async function openSidebar(browser: Browser, scenario: Scenario, height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 300, height } });
  await page.exposeFunction('__gasServe', (name: string, argsJson: string) => {
    const args = JSON.parse(argsJson) as unknown[];
    if (name === 'getSidebarState') return JSON.stringify({ ok: true, value: scenario.state });
    if (name in (scenario.answers ?? {})) {
      const answer = scenario.answers![name];
      try {
        const value = typeof answer === 'function' ? (answer as (a: unknown[]) => unknown)(args) : answer;
        return JSON.stringify({ ok: true, value });
      } catch (error) {
        return JSON.stringify({ ok: false, value: (error as Error).message });
      }
    }
    return JSON.stringify({
      ok: true,
      value: { status: 'done', message: `${name} ${JSON.stringify(args)}` },
    });
  });
  await page.goto('about:blank');
  await page.addInitScript(stub(serverFunctions));
  await page.goto('about:blank');
  await page.setContent(html);
  return page;
}

/** The names the sidebar's scripts pass to google.script.run (every file under addon/src/sidebar). */
export function calledServerFunctions(): string[] {
  const dir = path.join(repoRoot, 'addon/src/sidebar');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'dom.ts')
    .flatMap((f) =>
      [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\b(?:call(?:<[^>]*>)?|run)\(\s*'(\w+)'/g)].map(
        (m) => m[1]!,
      ),
    );
}

/** A configured sidebar with rows synced and in error (the sheet-sync part). */
export const baseState = {
  settings: {
    gatewayUrl: 'https://qb-bridge.example.com',
    authMode: 'hmac',
    hasAddonKey: true,
    sheetName: 'inv_tbl',
    eligibleStatuses: ['ready'],
    syncMode: 'dual',
    autoSync: false,
    hourly: false,
    timeBudgetMs: 270000,
  },
  configured: true,
  gateway: { reachable: true, message: null },
  quickbooks: { companyName: 'Sandbox Company US 1', reconnectNeeded: false, message: null },
  counts: { synced: 12, failed: 2, skipped: 1 },
  errors: [
    {
      rowId: 'mk1a00010abc',
      sheetRow: 5,
      message: 'inv_dollars: "1,2,3" has commas that are not thousands separators',
    },
    { rowId: 'mk1a00020def', sheetRow: 9, message: 'to_client and end_client are both empty' },
  ],
  job: null,
  lastSync: { at: '2026-12-05T14:00:00Z', state: 'done', counts: { synced: 12, failed: 2 } },
};
