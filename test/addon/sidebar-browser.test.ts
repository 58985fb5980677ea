import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseState,
  calledServerFunctions,
  launch,
  openSidebar,
  type Scenario,
  serverFunctions,
  shots,
} from './sidebar-page';

/** The sheet-sync part of the built sidebar in headless Chromium (see sidebar-page.ts for the stub). */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

const open = (scenario: Scenario): Promise<Page> => openSidebar(browser, scenario);

describe('the sidebar in headless Chromium', () => {
  it('every google.script.run target in the sidebar is a top-level function of the bundle', () => {
    const called = calledServerFunctions();
    expect(called.length).toBeGreaterThan(15);
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
