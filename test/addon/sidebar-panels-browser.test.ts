import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, baseState, launch, openSidebar, shots } from './sidebar-page';

/**
 * The MIS, Zimbra and Web Connector panels of the built sidebar in headless Chromium: shown only for the
 * flows the gateway reports configured, each state screenshotted (dist/test-output/sidebar/panel-*.png).
 * Server functions answer as the add-on would (shapes from the gateway's envelopes).
 */
const allFlows = { ...baseState, flows: { mis: true, zimbra: true, qbwc: true } };

const misPanel = {
  statistics: { total_invoices: 11, already_synced: 7, not_synced: 0, failed: 4, in_progress: 0 },
  progress_percentage: 63.6,
  quickbooks_connected: true,
  quickbooks_message: null,
  last_updated: '2026-12-05T14:00:00Z',
  job: null,
  failed_invoices: {
    count: 2,
    rows: [
      { invoice_id: 107, error: 'Library Fee has no QuickBooks item (QuickBk_ctgId is empty)' },
      { invoice_id: 110, error: 'Customer not found: REG/2099/999 is in no MIS table' },
    ],
  },
};

const zimbraPanel = {
  month: { year: 2025, month: 10 },
  unmapped: {
    period: '2025-10',
    domains: [
      { domain: 'newclient.io', accounts: 5, suggestion: null },
      {
        domain: 'mail.coolcars.net',
        accounts: 2,
        suggestion: { customerId: '3', customerName: 'Cool Cars' },
      },
    ],
    cos: [{ name: 'archive-100gb', accounts: 1, quotaGb: 100 }],
  },
  customers: [
    { id: '1', name: "Amy's Bird Sanctuary" },
    { id: '3', name: 'Cool Cars' },
    { id: '5', name: 'Diego Rodriguez' },
  ],
  items: [
    { id: '21', name: 'Email Hosting' },
    { id: '22', name: 'Storage 50GB' },
  ],
};

const qbwcPanel = {
  lastSync: { completedAt: '2026-12-05T02:00:11Z', status: 'completed', error: null },
  active: null,
  periods: [
    { period: '2026-11', syncedAt: '2026-12-05T02:00:10Z', outcome: 'ok', unmapped: 0 },
    { period: '2026-10', syncedAt: '2026-12-05T02:00:08Z', outcome: 'ok', unmapped: 2 },
  ],
};

/** A job seen running once, then done: the panel follows it through jobProgress. */
function jobThenDone(summary: Record<string, unknown>): Record<string, Answer> {
  let polls = 0;
  const running = {
    id: 'job-1',
    state: 'running',
    done: 3,
    failed: 1,
    total: 10,
    summary: null,
    error: null,
  };
  return {
    start: running,
    jobProgress: () => (++polls < 2 ? running : { ...running, state: 'done', done: 8, failed: 2, summary }),
  };
}

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `panel-${name}.png`), fullPage: true });

async function callsTo(page: Page, name: string): Promise<unknown[][]> {
  const calls = await page.evaluate(
    () => (globalThis as unknown as { __gasCalls: Array<{ name: string; args: unknown[] }> }).__gasCalls,
  );
  return calls.filter((c) => c.name === name).map((c) => c.args);
}

const base = { getMisPanel: misPanel, getZimbraPanel: zimbraPanel, getQbwcPanel: qbwcPanel };

describe('the flow panels in headless Chromium', () => {
  it('shows no flow panel when the gateway reports none configured (or is unreachable)', async () => {
    for (const state of [
      { ...baseState, flows: { mis: false, zimbra: false, qbwc: false } },
      { ...allFlows, gateway: { reachable: false, message: 'down' } },
    ]) {
      const page = await openSidebar(browser, { state, answers: base });
      await page.getByText(/Sandbox Company US 1|Gateway unreachable/).waitFor();
      for (const id of ['mis-panel', 'zimbra-panel', 'qbwc-panel'])
        expect(await page.locator(`#${id}`).isVisible(), id).toBe(false);
      await page.close();
    }
  });

  it('renders each configured panel: MIS statistics and failures, Zimbra pickers, Web Connector months', async () => {
    const page = await openSidebar(browser, { state: allFlows, answers: base }, 1800);
    await page.getByText('Invoice 107: Library Fee has no QuickBooks item').waitFor();
    expect(await page.locator('#mis-stats span').allTextContents()).toEqual([
      'total: 11',
      'synced: 7',
      'not synced: 0',
      'failed: 4',
      'in progress: 0',
      'progress: 63.6%',
    ]);
    await page.getByText('newclient.io (5 accounts)').waitFor();
    expect(await page.locator('#zimbra-month').inputValue()).toBe('2025-10');
    // The suggested customer is preselected; the CoS picker lists the items.
    expect(await page.getByLabel('Customer for mail.coolcars.net').inputValue()).toBe('3');
    expect(await page.getByLabel('Item for archive-100gb').locator('option').allTextContents()).toEqual([
      'choose…',
      'Email Hosting',
      'Storage 50GB',
    ]);
    await page.getByText('Last session: completed').waitFor();
    expect(await page.locator('#qbwc-periods tr').count()).toBe(2);
    await shot(page, 'all');
    await page.close();
  });

  it('MIS: run a batch follows the job to its end and says what it did', async () => {
    const job = jobThenDone({ total_successful: 8, total_failed: 2 });
    const page = await openSidebar(
      browser,
      { state: allFlows, answers: { ...base, misRunBatch: job.start, jobProgress: job.jobProgress } },
      1800,
    );
    await page.getByText('Invoice 107').waitFor();
    await page.locator('#mis-batch-size').fill('10');
    await page.locator('#mis-batch').click();
    await page.getByText('Batch: 4 of 10 (running)').waitFor();
    await shot(page, 'mis-running');
    await page.getByText('Batch done: 8 synced, 2 failed').waitFor();
    expect(await callsTo(page, 'misRunBatch')).toEqual([[10]]);
    await shot(page, 'mis-done');
    await page.close();
  });

  it('Zimbra: create drafts asks first, naming the count and total, and sends exactly those', async () => {
    const job = jobThenDone({ invoices: { success_count: 4, total_amount_cents: 20325 } });
    const page = await openSidebar(
      browser,
      {
        state: allFlows,
        answers: {
          ...base,
          zimbraShowReport: {
            tabs: ['zimbra_2025_10_summary'],
            drafts: { count: 4, totalCents: 20325 },
            unmapped: { domains: 2, cos: 1 },
          },
          zimbraDrafts: job.start,
          jobProgress: job.jobProgress,
        },
      },
      1800,
    );
    await page.getByText('newclient.io (5 accounts)').waitFor();
    await page.locator('#zimbra-drafts').click();
    await page.getByText('Create 4 draft invoices totalling $203.25 for 2025-10?').waitFor();
    expect(await callsTo(page, 'zimbraDrafts')).toEqual([]);
    await shot(page, 'zimbra-confirm');
    await page.locator('#zimbra-confirm-yes').click();
    await page.getByText('4 drafts, $203.25').waitFor();
    expect(await callsTo(page, 'zimbraDrafts')).toEqual([[2025, 10, 4, 20325]]);
    await shot(page, 'zimbra-drafts-done');
    await page.close();
  });

  it('Zimbra: mapping a domain from its picker calls the mapping with the chosen customer', async () => {
    const page = await openSidebar(
      browser,
      { state: allFlows, answers: { ...base, zimbraMapDomainTo: { domain: 'newclient.io' } } },
      1800,
    );
    await page.getByText('newclient.io (5 accounts)').waitFor();
    await page.getByLabel('Customer for newclient.io').selectOption('5');
    await page.locator('li', { hasText: 'newclient.io' }).getByRole('button', { name: 'Map' }).click();
    await page.getByText('newclient.io mapped').waitFor();
    expect(await callsTo(page, 'zimbraMapDomainTo')).toEqual([['newclient.io', '5']]);
    await shot(page, 'zimbra-mapped');
    await page.close();
  });

  it('says why a panel could not load, in the panel', async () => {
    const page = await openSidebar(browser, {
      state: allFlows,
      answers: {
        ...base,
        getMisPanel: () => {
          throw new Error('MIS unavailable: connect ECONNREFUSED 127.0.0.1:3306');
        },
      },
    });
    await page.locator('#mis-message', { hasText: 'MIS unavailable' }).waitFor();
    await shot(page, 'mis-error');
    await page.close();
  });
});
