import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli';

/**
 * The built Sidebar.html in headless Chromium (Debian `chromium`), with a google.script.run stub as strict
 * as production: only server functions that are top-level in the built Code.js, plain-data arguments only
 * (a Date, function or DOM node fails the call), at most 10 calls in flight, callbacks always asynchronous.
 * A screenshot per state is saved under dist/test-output/sidebar (not committed).
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const html = fs.readFileSync(path.join(repoRoot, 'dist/addon/Sidebar.html'), 'utf8');
const serverFunctions = [
  ...fs.readFileSync(path.join(repoRoot, 'dist/addon/Code.js'), 'utf8').matchAll(/^function (\w+)\(/gm),
].map((m) => m[1]!);
const shots = path.join(repoRoot, 'dist/test-output/sidebar');

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

interface Scenario {
  state: Record<string, unknown>;
  answers?: Record<string, unknown>;
}

const baseState = {
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

let browser: Browser;
beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});
afterAll(async () => browser?.close());

async function open(scenario: Scenario): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 300, height: 900 } });
  await page.exposeFunction('__gasServe', (name: string, argsJson: string) => {
    const args = JSON.parse(argsJson) as unknown[];
    if (name === 'getSidebarState') return JSON.stringify({ ok: true, value: scenario.state });
    if (name in (scenario.answers ?? {})) return JSON.stringify({ ok: true, value: scenario.answers![name] });
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

describe('the sidebar in headless Chromium', () => {
  it('every google.script.run target in the sidebar is a top-level function of the bundle', () => {
    const source = fs.readFileSync(path.join(repoRoot, 'addon/src/sidebar/sidebar.ts'), 'utf8');
    const called = [...source.matchAll(/\b(?:call(?:<[^>]*>)?|run)\(\s*'(\w+)'/g)].map((m) => m[1]!);
    expect(called.length).toBeGreaterThan(4);
    for (const name of called) expect(serverFunctions, name).toContain(name);
  });

  it('renders the connection, counts by status and the rows in error; clicking an error selects its row', async () => {
    const page = await open({ state: baseState, answers: { selectRow: { sheetRow: 5 } } });
    await page.getByText('Sandbox Company US 1').waitFor();
    expect(await page.locator('[data-testid=counts] span').allTextContents()).toEqual([
      'synced: 12',
      'failed: 2',
      'skipped: 1',
    ]);
    await page.screenshot({ path: path.join(shots, 'counts-and-errors.png') });
    await page.locator('a.row', { hasText: 'Row 5' }).click();
    await expect
      .poll(() =>
        page.evaluate(() =>
          (
            globalThis as unknown as { __gasCalls: Array<{ name: string; args: unknown[] }> }
          ).__gasCalls.filter((c) => c.name === 'selectRow'),
        ),
      )
      .toEqual([{ name: 'selectRow', args: ['mk1a00010abc'] }]);
    await page.close();
  });

  it('shows a progress bar while a job runs', async () => {
    const page = await open({
      state: { ...baseState, job: { id: 'j1', state: 'running', done: 30, failed: 5, total: 100 } },
    });
    await page.getByText('Syncing: 35 of 100 rows').waitFor();
    expect(
      await page.locator('#progress').evaluate((p) => {
        const bar = p as unknown as { value: number; max: number };
        return [bar.value, bar.max];
      }),
    ).toEqual([35, 100]);
    await page.screenshot({ path: path.join(shots, 'progress.png') });
    await page.close();
  });

  it('says what is wrong: not configured, gateway unreachable, QuickBooks reconnect needed', async () => {
    for (const [name, state, text] of [
      ['not-configured', { ...baseState, configured: false, quickbooks: null }, 'Not configured'],
      [
        'unreachable',
        {
          ...baseState,
          gateway: {
            reachable: false,
            message: 'The gateway at https://qb-bridge.example.com cannot be reached',
          },
          quickbooks: null,
        },
        'Gateway unreachable',
      ],
      [
        'reconnect',
        {
          ...baseState,
          quickbooks: { companyName: null, reconnectNeeded: true, message: 'QuickBooks needs reconnecting' },
        },
        'reconnect needed',
      ],
    ] as const) {
      const page = await open({ state });
      await page.getByText(text).first().waitFor();
      await page.screenshot({ path: path.join(shots, `${name}.png`) });
      await page.close();
    }
  });

  it('saves settings through saveSettings with plain data and shows its answer', async () => {
    const page = await open({
      state: baseState,
      answers: { saveSettings: { ok: false, message: 'The gateway URL must start with https://' } },
    });
    await page.locator('#gatewayUrl').fill('ftp://nope');
    await page.locator('#save').click();
    await page.getByText('must start with https://').waitFor();
    const calls = await page.evaluate(() =>
      (
        globalThis as unknown as { __gasCalls: Array<{ name: string; args: Array<Record<string, unknown>> }> }
      ).__gasCalls.filter((c) => c.name === 'saveSettings'),
    );
    expect(calls[0]!.args[0]).toMatchObject({ gatewayUrl: 'ftp://nope', authMode: 'hmac', syncMode: 'dual' });
    await page.screenshot({ path: path.join(shots, 'settings-error.png') });
    await page.close();
  });
});
