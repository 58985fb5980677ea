/**
 * The MIS and Zimbra pages in headless chromium, against a real MariaDB and the QuickBooks Online emulator:
 * run a Zimbra month from the demo's sample reports (report only), map the domain and CoS it found with the
 * suggested customer, bill the month as drafts, then run a MIS batch and watch its job finish. Each page
 * passes axe-core with no serious violations and leaves a screenshot in test-output/web/.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { writeSampleReports } from '../../gateway/src/zimbra/demo';
import { createTestMis, seedSample, statuses, type TestMis } from '../mis/helpers';
import { type BrowserSession, openBrowser } from './browser';
import { type Dashboard, startDashboard, testUser } from './helpers';

let d: Dashboard;
let b: BrowserSession;
let page: Page;
let mis: TestMis;
const month = '2025-12';

beforeAll(async () => {
  mis = await createTestMis();
  await seedSample(mis);
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-zimbra-reports-'));
  writeSampleReports(reportDir, { year: 2025, month: 12 });
  d = await startDashboard({
    MIS_DATABASE_URL: mis.url,
    MIS_RETRY_DELAY_SECONDS: '0',
    ZIMBRA_REPORT_PATH: reportDir,
  });
  createTokenVault(d.ctx).saveFromCodeExchange(
    d.emulator.realmId,
    parseTokenResponse(d.emulator.issueTokens()),
    { actor: 'test' },
  );
  b = await openBrowser();
  page = b.page;
}, 90_000);

afterAll(async () => {
  await b?.close();
  await d?.close();
  await mis?.drop();
});

/** The page's job card reaches `done` (live through /api/jobs/:id, or already done when rendered). */
async function jobDone() {
  await page.waitForSelector('[data-job-card] [data-field="state"]:text-is("done")', { timeout: 60_000 });
}

async function runMonth(mode: 'report' | 'drafts') {
  await page.fill('#zimbra-run-month', month);
  await page.selectOption('#zimbra-run-mode', mode);
  await page.click('#zimbra-run');
  await page.waitForSelector(`text=Started the ${month} run`);
  await jobDone();
  await page.goto(`${d.url}/zimbra?month=${month}`);
}

describe('the flow pages in headless chromium', () => {
  it('runs a Zimbra month, maps a domain with a suggested customer, bills it, and runs a MIS batch', async () => {
    await page.goto(`${d.url}/login`);
    await page.fill('#username', testUser.username);
    await page.fill('#password', testUser.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Overview")');

    await page.click('nav.main a:text("Zimbra")');
    await page.waitForSelector('h1:text("Zimbra billing")');
    expect(await b.seriousViolations()).toEqual([]);
    await b.shot('10-zimbra-before');
    await runMonth('report');
    const reportRun = page.locator('tr[data-month="2025-12"]');
    expect(await reportRun.locator('[data-field="run-status"]').textContent()).toBe('success');
    expect(await reportRun.textContent()).toContain('report only');
    // The suggested customer is already picked for coolcars.net; qa-lab.test is excluded by *.test.
    const coolcars = page.locator('tr[data-domain="coolcars.net"]');
    expect(await coolcars.locator('select option:checked').textContent()).toBe(
      'Cool Cars (name resembles the domain)',
    );
    expect(await page.textContent('#zimbra-excluded-heading + table')).toContain('qa-lab.test');
    expect(await page.isVisible('tr[data-domain="newclient.io"]')).toBe(true);
    // The item whose name carries the CoS quota is picked for premium-50gb.
    expect(await page.textContent('tr[data-cos="premium-50gb"] select option:checked')).toBe(
      'Storage 50GB (12.25), suggested by the quota or name',
    );
    expect(await b.seriousViolations()).toEqual([]);
    await b.shot('11-zimbra-unmapped');
    await coolcars.locator('button[value="map"]').click();
    await page.waitForSelector('text=Mapped coolcars.net to Cool Cars');
    expect(await page.isVisible('tr[data-domain="coolcars.net"]')).toBe(false);

    const emailHosting = d.emulator
      .entities(d.emulator.realmId, 'Item')
      .find((i) => i.Name === 'Email Hosting')!;
    const standard = page.locator('tr[data-cos="standard-5gb"]');
    await standard.locator('select').selectOption(String(emailHosting.Id));
    await standard.locator('button[value="map"]').click();
    await page.waitForSelector('text=Mapped CoS standard-5gb to Email Hosting (5 GB)');

    await runMonth('drafts');
    const latest = page.locator('tr[data-month="2025-12"]').first();
    expect(await latest.locator('[data-field="run-status"]').textContent()).toBe('success');
    expect(await latest.locator('td.num').first().textContent()).toBe('1');
    expect(await latest.locator('a:text("Excel (2025-12)")').count()).toBe(1);
    const invoices = d.emulator.entities(d.emulator.realmId, 'Invoice');
    expect(invoices.map((i) => (i.CustomerRef as { name?: string }).name)).toEqual(['Cool Cars']);
    expect(await b.seriousViolations()).toEqual([]);
    await b.shot('12-zimbra-billed');

    await page.click('nav.main a:text("MIS")');
    await page.waitForSelector('h1:text("MIS sync")');
    expect(await page.textContent('[data-stat="not-synced"]')).toBe('10');
    expect(await b.seriousViolations()).toEqual([]);
    await b.shot('13-mis-before');
    await page.fill('#mis-batch-size', '4');
    await page.click('#mis-run-batch');
    await page.waitForSelector('text=Started a batch of up to 4 invoices');
    await jobDone();
    await page.reload();
    expect(await page.textContent('[data-stat="synced"]')).toBe('5');
    expect(await page.textContent('[data-field="outcome"]')).toContain('4 of 4 synchronized');
    expect(Object.values(await statuses(mis)).filter((s) => s === 1)).toHaveLength(5);
    expect(await b.seriousViolations()).toEqual([]);
    await b.shot('14-mis-after-batch');
    expect(await page.textContent('main')).not.toContain('Internal error');
    expect(b.cspViolations).toEqual([]);
  }, 240_000);
});
