/**
 * The dashboard in a real browser: headless Debian chromium driven by playwright-core. Log in, connect to the
 * QuickBooks Online emulator through the real OAuth redirect, see the QBR chart, unlock a Web Connector user,
 * pass an axe-core accessibility check on every page, log out. Screenshots go to test-output/web/ (git-ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playSession } from '../../gateway/src/qbwc/play/play-session';
import {
  hashPassword,
  recordLoginAttempt,
  saveCredentials,
} from '../../gateway/src/qbwc/sessions/credentials';
import { repoRoot } from '../helpers/cli';
import { seriousViolations as axeFindings, launchChromium } from './chromium';
import { type Dashboard, startDashboard, testUser } from './helpers';

const shots = path.join(repoRoot, 'test-output/web');

let d: Dashboard;
let browser: BrowserContext;
let page: Page;
let cspViolations: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  d = await startDashboard();
  // One Web Connector session so the charts have months to draw.
  const password = 'web connector password for the browser test';
  saveCredentials(
    d.ctx.db,
    d.ctx.config.QBWC_USERNAME,
    await hashPassword(password, { N: 2 ** 12, r: 8, p: 1 }),
  );
  await playSession({ url: d.url, username: d.ctx.config.QBWC_USERNAME, password, noOpPauseMs: 0 });
  // And a Web Connector user locked out by five wrong passwords.
  for (let i = 0; i < 5; i++) {
    recordLoginAttempt(d.ctx.db, {
      username: 'front-desk-pc',
      remoteIp: '192.0.2.44',
      outcome: 'failure',
      at: new Date(Date.now() - 5000 + i),
    });
  }
  ({ browser, page, csp: cspViolations } = await launchChromium());
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await d?.close();
});

async function shot(name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical findings on the page as it is now. */
const seriousViolations = () => axeFindings(page);

describe('the dashboard in headless chromium', () => {
  it('logs in, connects QuickBooks through the OAuth redirect, draws the chart, unlocks, logs out', async () => {
    await page.goto(`${d.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    expect(await seriousViolations()).toEqual([]);
    await shot('01-login');
    await page.fill('#username', testUser.username);
    await page.fill('#password', testUser.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Overview")');
    expect(await page.textContent('#qbo-heading + *')).toContain('No QuickBooks company is connected');
    await shot('02-overview-not-connected');

    // Connect: our /qbo/connect → the emulator's consent page → approve → our /qbo/callback.
    await page.click('#qbo-connect');
    await page.waitForSelector('text=QuickBooks Online emulator');
    expect(new URL(page.url()).port).not.toBe(new URL(d.url).port);
    await shot('03-emulator-consent');
    await page.click('button:text("Connect")');
    await page.waitForSelector('text=Connected to');
    expect(new URL(page.url()).pathname).toBe('/qbo/callback');
    const job = d.ctx.jobs.start({ flow: 'zimbra', scope: '2026-11', startedBy: 'browser test', total: 10 });
    await page.goto(`${d.url}/`);
    expect(await page.textContent('[data-field="realm"]')).toBe(d.emulator.realmId);
    // A long run's card follows the job without a reload (the page polls /api/jobs/:id with its session).
    d.ctx.jobs.progress(job.id, { done: 7 });
    await page.waitForSelector('[data-flow="zimbra"] [data-field="done"]:text-is("7")');
    d.ctx.jobs.finish(job.id, {});
    await page.waitForSelector('[data-flow="zimbra"] [data-field="live"]:has-text("finished")');
    expect(await page.textContent('[data-field="status"]')).toBe('connected');
    expect(await page.isVisible('text=Reconnect')).toBe(true);
    expect(await page.textContent('[data-flow="qbwc"]')).toContain('configured');
    expect(await seriousViolations()).toEqual([]);
    await shot('04-overview-connected');

    // The Web Connector page: uPlot draws the QBR metrics from the played session.
    await page.click('nav.main a:text("Web Connector")');
    await page.waitForSelector('#chart-revenue[data-drawn="true"] canvas');
    await page.waitForSelector('#chart-profit[data-drawn="true"] canvas');
    expect(await page.textContent('#chart-revenue')).toContain('total_revenue');
    expect(await seriousViolations()).toEqual([]);
    await shot('05-web-connector');
    await page
      .locator('section[aria-labelledby="charts-heading"]')
      .screenshot({ path: path.join(shots, '05-charts.png') });

    // Unlock the locked-out Web Connector user (the confirm dialog is accepted).
    await page.click('[data-lockout="front-desk-pc"] button');
    await page.waitForSelector('text=Unlocked Web Connector user "front-desk-pc"');
    expect(await page.$('[data-lockout="front-desk-pc"]')).toBeNull();
    await shot('06-unlocked');

    // Test an account name.
    await page.fill('#test-account-name', 'Expenses:Payroll Expenses:Wages');
    await page.click('form[aria-label="Test an account name"] button');
    expect(await page.textContent('[data-field="test-result"]')).toMatch(/wins: .*employee_expense/);

    for (const [link, name] of [
      ['Audit log', '07-audit'],
      ['API tokens', '08-tokens'],
    ] as const) {
      await page.click(`nav.main a:text("${link}")`);
      await page.waitForSelector(`h1:text("${link === 'API tokens' ? 'API tokens' : 'Audit log'}")`);
      expect(await seriousViolations()).toEqual([]);
      await shot(name);
    }
    expect(await page.textContent('main')).not.toContain('Internal error');

    await page.click('button:text("Log out")');
    await page.waitForSelector('text=You are logged out');
    await page.goto(`${d.url}/web-connector`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await shot('09-logged-out');
    expect(cspViolations).toEqual([]);
  }, 180_000);
});
