/**
 * The Zimbra page over plain HTTP, on the demo's sample month (reports in a local folder, the QuickBooks
 * Online emulator): runs by month with their downloads, a month run from the page, a domain mapped with a
 * suggested customer, CoS and exclusion forms that show their errors beside the field, undo of the month's
 * drafts, and the refusals (no session, no CSRF token, another origin) for every form the page posts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { playZimbraDemo } from '../../gateway/src/zimbra/demo';
import { formatReport } from '../../gateway/src/zimbra/report/format-report';
import { Client, type Dashboard, startDashboard } from './helpers';

let d: Dashboard;
let reportDir: string;
const month = '2025-12';

beforeAll(async () => {
  reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-zimbra-reports-'));
  d = await startDashboard({ ZIMBRA_REPORT_PATH: reportDir });
  createTokenVault(d.ctx).saveFromCodeExchange(
    d.emulator.realmId,
    parseTokenResponse(d.emulator.issueTokens()),
    { actor: 'test' },
  );
  await playZimbraDemo(d.ctx, new Date('2026-01-05T12:00:00Z'));
  // A new customer's domain whose name resembles a QuickBooks customer ("Weiskopf Consulting").
  fs.writeFileSync(
    path.join(reportDir, 'MailboxUsage_2025-12-03.txt'),
    formatReport('2025-12-03', [
      [
        'weiskopf-consulting.com',
        [
          ['standard-5gb', 3],
          ['business-25gb', 2],
        ],
      ],
    ]),
  );
}, 60_000);

afterAll(async () => {
  await d?.close();
});

async function loggedIn(): Promise<Client> {
  const client = new Client(d.url);
  expect((await client.login()).status).toBe(303);
  return client;
}

const page = async (client: Client, query = `?month=${month}`) =>
  (await client.request(`/zimbra${query}`)).text();

async function runFinished(): Promise<string> {
  const [job] = d.ctx.jobs.list({ flow: 'zimbra', limit: 1 });
  await expect
    .poll(() => d.ctx.jobs.get(job!.id)?.state, { timeout: 60_000, interval: 100 })
    .toMatch(/^(done|failed)$/);
  return job!.id;
}

const customerId = (name: string) =>
  String(d.emulator.entities(d.emulator.realmId, 'Customer').find((c) => c.DisplayName === name)!.Id);
const itemId = (name: string) =>
  String(d.emulator.entities(d.emulator.realmId, 'Item').find((i) => i.Name === name)!.Id);

describe('the Zimbra page', { timeout: 90_000 }, () => {
  it('lists the runs by month with totals and serves their Excel and JSON', async () => {
    const client = await loggedIn();
    const html = await page(client);
    expect(html).toMatch(/data-month="2025-12"[\s\S]*?data-field="run-status">success<[\s\S]*?>4</);
    const [job] = d.ctx.jobs.list({ flow: 'zimbra' });
    const excel = await client.request(`/zimbra/runs/${job!.id}/report.xlsx`);
    expect(excel.status).toBe(200);
    expect(excel.headers.get('content-disposition')).toContain('billing_report_2025-12.xlsx');
    expect(
      Buffer.from(await excel.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    const json = await client.request(`/zimbra/runs/${job!.id}/summary.json`);
    expect(((await json.json()) as { status: string }).status).toBe('success');
    expect((await client.request('/zimbra/runs/no-such-run/summary.json')).status).toBe(404);
    expect((await new Client(d.url).request(`/zimbra/runs/${job!.id}/report.xlsx`)).status).toBe(303);
  });

  it('runs a month from the page, then suggests the customer whose name resembles a new domain', async () => {
    const client = await loggedIn();
    const csrf = await client.csrfFrom('/zimbra');
    const bad = await client.post('/zimbra/run', { _csrf: csrf, month: '2025-13', mode: 'drafts' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(
      /id="zimbra-run-month"[^>]*aria-invalid="true"[\s\S]*?id="zimbra-run-month-error">Enter a month/,
    );
    const r = await client.post('/zimbra/run', { _csrf: csrf, month, mode: 'report' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/zimbra?month=${month}`);
    const id = await runFinished();
    expect(d.ctx.jobs.get(id)!.startedBy).toMatch(/^user:alex /);
    const html = await page(client);
    expect(html).toMatch(
      /data-domain="weiskopf-consulting.com"[\s\S]*?<optgroup label="Suggested"><option value="\d+" selected="">Weiskopf Consulting \(name resembles the domain\)/,
    );
    expect(html).toContain('data-domain="newclient.io"');
  });

  it('maps a domain, and shows a refused mapping beside its field', async () => {
    const client = await loggedIn();
    const csrf = await client.csrfFrom(`/zimbra?month=${month}`);
    const empty = await client.post('/zimbra/domains', {
      _csrf: csrf,
      month,
      domain: 'newclient.io',
      customer_id: '',
      action: 'map',
    });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(
      /data-domain="newclient.io"[\s\S]*?class="field-error"[^>]*>Pick a customer/,
    );
    const unknown = await client.post('/zimbra/domains', {
      _csrf: csrf,
      month,
      domain: 'newclient.io',
      customer_id: '99999',
      action: 'map',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('There is no QuickBooks customer with Id 99999');
    const notListed = await client.post('/zimbra/domains', {
      _csrf: csrf,
      month,
      domain: 'not a domain',
      customer_id: customerId('Cool Cars'),
      action: 'map',
    });
    expect(notListed.status).toBe(400);
    expect(await notListed.text()).toMatch(
      /role="alert">not a domain: &quot;not a domain&quot; is not a domain name/,
    );
    const ok = await client.post('/zimbra/domains', {
      _csrf: csrf,
      month,
      domain: 'newclient.io',
      customer_id: customerId('Freeman Sporting Goods'),
      action: 'map',
    });
    expect(ok.status).toBe(303);
    expect(await page(client)).not.toContain('data-domain="newclient.io"');
    const audit = d.ctx.audit.recent({ action: 'zimbra_domain_mapping', limit: 50 });
    expect(audit.find((a) => a.target === 'newclient.io')?.actor).toBe('user:alex');
  });

  it('maps a new CoS to an item with its quota, refusing a quota that is not a number', async () => {
    const client = await loggedIn();
    const csrf = await client.csrfFrom(`/zimbra?month=${month}`);
    expect(await page(client)).toMatch(/data-cos="business-25gb"[\s\S]*?name="quota_gb"[^>]*value="25"/);
    const cos = (fields: Record<string, string>) =>
      client.post('/zimbra/cos', { _csrf: csrf, month, name: 'business-25gb', action: 'map', ...fields });
    const noItem = await cos({ item_id: '', quota_gb: '25' });
    expect(noItem.status).toBe(400);
    expect(await noItem.text()).toMatch(/id="cos-0-error">Pick an item/);
    const badQuota = await cos({ item_id: itemId('Email Hosting'), quota_gb: 'lots' });
    expect(badQuota.status).toBe(400);
    expect(await badQuota.text()).toMatch(/id="cos-0-quota-error">The quota is a whole number of GB/);
    expect((await cos({ item_id: itemId('Email Hosting'), quota_gb: '25' })).status).toBe(303);
    expect(await page(client)).toContain('Mapped CoS business-25gb to Email Hosting (25 GB)');
  });

  it('adds and removes an exclusion, refusing a pattern that would exclude everything', async () => {
    const client = await loggedIn();
    const csrf = await client.csrfFrom('/zimbra');
    const bad = await client.post('/zimbra/exclusions', {
      _csrf: csrf,
      month,
      kind: 'domain',
      pattern: '*',
      reason: '',
    });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toMatch(/id="exclusion-pattern-error">[^<]*would exclude everything/);
    expect(html).toMatch(/id="exclusion-reason-error">Say why/);
    const ok = await client.post('/zimbra/exclusions', {
      _csrf: csrf,
      month,
      kind: 'domain',
      pattern: 'weiskopf-*',
      reason: 'billed by hand',
    });
    expect(ok.status).toBe(303);
    const listed = await page(client);
    expect(listed).toContain('data-exclusion="domain:weiskopf-*"');
    expect(listed).toMatch(/weiskopf-consulting.com<\/td><td>standard-5gb[\s\S]*?domain pattern weiskopf-\*/);
    const id = /data-exclusion="domain:weiskopf-\*"[\s\S]*?name="id" value="(\d+)"/.exec(listed)![1]!;
    expect((await client.post('/zimbra/exclusions/remove', { _csrf: csrf, month, id })).status).toBe(303);
    expect(await page(client)).not.toContain('data-exclusion="domain:weiskopf-*"');
    expect(
      d.ctx.audit.recent({ action: 'zimbra_exclusion', limit: 10 }).map((a) => [a.actor, a.target]),
    ).toEqual([
      ['user:alex', 'domain:weiskopf-*'],
      ['user:alex', 'domain:weiskopf-*'],
    ]);
  });

  it("undoes the month's unsent drafts", async () => {
    const client = await loggedIn();
    const csrf = await client.csrfFrom('/zimbra');
    const drafts = () => d.emulator.entities(d.emulator.realmId, 'Invoice').length;
    expect(drafts()).toBe(4);
    const bad = await client.post('/zimbra/undo', { _csrf: csrf, month: 'last month' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/id="zimbra-undo-month-error">Enter a month/);
    const r = await client.post('/zimbra/undo', { _csrf: csrf, month });
    expect(r.status).toBe(303);
    expect(await page(client)).toContain('Deleted 4 draft invoice(s) of 2025-12');
    expect(drafts()).toBe(0);
    expect(d.ctx.audit.recent({ action: 'zimbra_undo', limit: 5 })[0]?.actor).toBe('user:alex');
  });

  it('says how to give it reports when there is no Zimbra server and no report folder', async () => {
    const bare = await startDashboard({ ZIMBRA_REPORT_PATH: path.join(reportDir, 'missing') });
    try {
      const client = new Client(bare.url);
      await client.login();
      const html = await (await client.request('/zimbra')).text();
      expect(html).toMatch(
        /data-field="zimbra-setup">[\s\S]*?not configured[\s\S]*?set ZIMBRA_HOST, ZIMBRA_KEY_FILE/,
      );
    } finally {
      await bare.close();
    }
  });

  it('refuses every form without a session, without the CSRF token or from another origin', async () => {
    const anon = new Client(d.url);
    const client = await loggedIn();
    const csrf = await client.csrfFrom('/zimbra');
    const jobs = d.ctx.jobs.list({ flow: 'zimbra' }).length;
    const auditRows = d.ctx.audit
      .recent({ limit: 1000 })
      .filter((a) => a.actor === 'user:alex' && a.outcome === 'success').length;
    for (const [target, fields] of [
      ['/zimbra/run', { month, mode: 'drafts' }],
      ['/zimbra/domains', { month, domain: 'coolcars.net', action: 'exclude' }],
      ['/zimbra/cos', { month, name: 'standard-5gb', action: 'exclude' }],
      ['/zimbra/exclusions', { month, kind: 'domain', pattern: '*.net', reason: 'x' }],
      ['/zimbra/exclusions/remove', { month, id: '1' }],
      ['/zimbra/undo', { month }],
    ] as const) {
      expect((await anon.post(target, { ...fields, _csrf: csrf })).status).toBe(401);
      expect((await client.post(target, fields)).status).toBe(403);
      expect((await client.post(target, { ...fields, _csrf: csrf }, 'https://evil.example')).status).toBe(
        403,
      );
    }
    expect(d.ctx.jobs.list({ flow: 'zimbra' })).toHaveLength(jobs);
    expect(
      d.ctx.audit.recent({ limit: 1000 }).filter((a) => a.actor === 'user:alex' && a.outcome === 'success'),
    ).toHaveLength(auditRows);
    expect((await anon.request('/zimbra')).status).toBe(303);
  });
});
