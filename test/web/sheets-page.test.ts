/**
 * The dashboard's Sheets page: recent sheet syncs with progress and each row's outcome (paginated), and the
 * customer-mapping table (add, edit, delete through CSRF forms, errors beside the field, audited). Over
 * HTTP with a session, then the same page in headless chromium with an axe-core pass; screenshots go to
 * test-output/web/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { connectDemoCompany } from '../../gateway/src/qbo/oauth/demo-connect';
import { CustomerMap } from '../../gateway/src/sheets/customer-map';
import { SheetsStore } from '../../gateway/src/sheets/store';
import type { RowResult } from '../../shared/src/sheets/contract';
import { type BrowserSession, openBrowser } from './browser';
import { Client, type Dashboard, startDashboard, testUser } from './helpers';

let d: Dashboard;
let client: Client;
let realm: string;
let jobId: string;
let liveId: string;

beforeAll(async () => {
  d = await startDashboard();
  realm = (await connectDemoCompany(d.url, createApiToken(d.ctx.db, 'sheets page test').token)).realmId;
  client = new Client(d.url);
  await client.login();
  // A finished sync of 30 rows (two pages of outcomes) and one still running.
  const job = d.ctx.jobs.start({
    flow: 'sheets',
    scope: 'sheet-abc',
    startedBy: 'addon:books@example.com',
    total: 30,
  });
  jobId = job.id;
  const store = new SheetsStore(d.ctx.db);
  store.recordJob(job.id, 'sheet-abc', 'inv_tbl', 'fingerprint-1');
  const results: RowResult[] = Array.from({ length: 30 }, (_, i) =>
    i === 3
      ? {
          rowId: `r${i}`,
          sheetRow: i + 2,
          status: 'failed',
          docNumber: `S-${i}`,
          error: 'inv_dollars: "1,2,3" is not an amount',
          warnings: [],
        }
      : {
          rowId: `r${i}`,
          sheetRow: i + 2,
          status: 'synced',
          docNumber: `S-${i}`,
          invoiceId: String(100 + i),
          invoiceUrl: `https://app.sandbox.qbo.intuit.com/app/invoice?txnId=${100 + i}`,
          warnings: [],
        },
  );
  store.saveResults(job.id, results);
  d.ctx.jobs.progress(job.id, { done: 29, failed: 1 });
  d.ctx.jobs.finish(job.id, {});
  const live = d.ctx.jobs.start({
    flow: 'sheets',
    scope: 'sheet-live',
    startedBy: 'addon:books@example.com',
    total: 200,
  });
  d.ctx.jobs.progress(live.id, { done: 120 });
  liveId = live.id;
  new CustomerMap(d.ctx.db).remember(realm, 'Cool Cars', { id: '3', name: 'Cool Cars' }, 'found');
}, 60_000);

afterAll(async () => {
  await d?.close();
});

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)![1]!;

describe('the Sheets page', { timeout: 60_000 }, () => {
  it('lists syncs with progress and pages through one sync’s row outcomes', async () => {
    const page = await (await client.request('/sheets')).text();
    expect(page).toContain('sheet-abc');
    const row = (id: string) => new RegExp(`<tr data-sheet-job="${id}"[\\s\\S]*?</tr>`).exec(page)![0];
    expect(row(jobId).replace(/<[^>]+>/g, '')).toContain('29 done, 1 not done of 30');
    expect(row(liveId).replace(/<[^>]+>/g, '')).toContain('120 done, 0 not done of 200');
    // Only the running sync is followed live by the dashboard's script.
    expect(row(liveId)).toContain(`data-job="${liveId}"`);
    expect(row(jobId)).not.toContain('data-job=');
    expect(page).toMatch(/<progress max="200" value="120"/);
    const rows = await (await client.request(`/sheets?job=${jobId}`)).text();
    expect(rows).toContain('Page 1 of 2 (30 in all)');
    expect(rows).toContain('inv_dollars: &quot;1,2,3&quot; is not an amount');
    const second = await (await client.request(`/sheets?job=${jobId}&rpage=2`)).text();
    expect(second).toContain('Page 2 of 2 (30 in all)');
    expect(second).toContain('S-29');
    expect(second).not.toContain('>S-3<');
    expect(second).toContain(
      '<a href="https://app.sandbox.qbo.intuit.com/app/invoice?txnId=129">Invoice 129</a>',
    );
  });

  it('adds, edits and deletes mappings; a bad value is refused beside its field; each change is audited', async () => {
    let page = await (await client.request('/sheets')).text();
    const refused = await client.post('/sheets/customers/add', {
      _csrf: csrfOf(page),
      client: 'Brand New Client',
      customerId: 'abc',
    });
    expect(refused.status).toBe(400);
    const body = await refused.text();
    expect(body).toMatch(/aria-invalid="true" aria-describedby="new-customerId-error"/);
    expect(body).toMatch(
      /<span class="field-error" id="new-customerId-error">A QuickBooks customer Id is a number/,
    );
    expect(body).toContain('value="Brand New Client"');

    const unknown = await client.post('/sheets/customers/add', {
      _csrf: csrfOf(body),
      client: 'Brand New Client',
      customerId: '9999',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('QuickBooks has no customer with Id 9999');

    const added = await client.post('/sheets/customers/add', {
      _csrf: csrfOf(body),
      client: 'Brand New Client',
      customerId: '1',
    });
    expect(added.status).toBe(303);
    page = await (await client.request('/sheets')).text();
    expect(page).toContain('now invoices customer 1');
    expect(new CustomerMap(d.ctx.db).get(realm, 'brand new client')).toMatchObject({
      customerId: '1',
      customerName: "Amy's Bird Sanctuary",
      source: 'edited',
      updatedBy: testUser.username,
    });

    const edited = await client.post('/sheets/customers', {
      _csrf: csrfOf(page),
      client: 'Cool Cars',
      realm,
      customerId: '2',
    });
    expect(edited.status).toBe(303);
    expect(new CustomerMap(d.ctx.db).get(realm, 'Cool Cars')).toMatchObject({
      customerId: '2',
      source: 'edited',
    });

    const deleted = await client.post('/sheets/customers/delete', {
      _csrf: csrfOf(page),
      client: 'Brand New Client',
      realm,
    });
    expect(deleted.status).toBe(303);
    expect(new CustomerMap(d.ctx.db).get(realm, 'Brand New Client')).toBeUndefined();

    const forged = await client.post('/sheets/customers/delete', { client: 'Cool Cars', realm });
    expect(forged.status).toBe(403);
    expect(new CustomerMap(d.ctx.db).get(realm, 'Cool Cars')).toBeDefined();

    const actions = d.ctx.audit
      .recent({ limit: 50 })
      .filter((r) => r.action.startsWith('dashboard.sheets_customer_map_'))
      .map((r) => [r.action, r.target, r.actor]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['dashboard.sheets_customer_map_add', 'Brand New Client', 'user:alex'],
        ['dashboard.sheets_customer_map_edit', 'Cool Cars', 'user:alex'],
        ['dashboard.sheets_customer_map_delete', 'Brand New Client', 'user:alex'],
      ]),
    );
  });

  describe('in headless chromium', () => {
    let b: BrowserSession;
    beforeAll(async () => {
      b = await openBrowser();
    }, 90_000);
    afterAll(async () => b?.close());

    it('shows the page, passes axe, and shows a refused edit beside its field', async () => {
      const { page } = b;
      await page.goto(`${d.url}/login`);
      await page.fill('#username', testUser.username);
      await page.fill('#password', testUser.password);
      await page.click('button[type=submit]');
      await page.waitForSelector('h1:text("Overview")');
      await page.click('nav.main a:text("Sheets")');
      await page.waitForSelector('h1:text("Sheets")');
      expect(await b.seriousViolations()).toEqual([]);
      await b.shot('15-sheets');
      // The running sync's row follows the job without a reload.
      d.ctx.jobs.progress(liveId, { done: 150 });
      await page.waitForSelector(`[data-sheet-job="${liveId}"] [data-field="done"]:text-is("150")`);
      d.ctx.jobs.finish(liveId, {});
      await page.waitForSelector(`[data-sheet-job="${liveId}"] [data-field="live"]:has-text("finished")`);

      await page.click(`[data-sheet-job="${jobId}"] a`);
      await page.waitForSelector('#rows-heading');
      expect(await page.textContent('[data-row="r3"]')).toContain('is not an amount');
      expect(await b.seriousViolations()).toEqual([]);
      await b.shot('16-sheets-rows');

      await page.fill('[data-client="Cool Cars"] input[name="customerId"]', 'twelve');
      await page.click('[data-client="Cool Cars"] button:text("Save")');
      await page.waitForSelector('[data-client="Cool Cars"] .field-error');
      expect(await page.textContent('[data-client="Cool Cars"] .field-error')).toMatch(/is a number/);
      expect(await b.seriousViolations()).toEqual([]);
      await b.shot('17-sheets-mapping-error');

      // Delete asks first (the dialog is accepted), then says so.
      await page.goto(`${d.url}/sheets`);
      await page.click('[data-client="Cool Cars"] button:text("Delete")');
      await page.waitForSelector('text=Forgot the mapping of "Cool Cars"');
      expect(await page.$('[data-client="Cool Cars"]')).toBeNull();
      expect(b.cspViolations).toEqual([]);
    }, 120_000);
  });
});
