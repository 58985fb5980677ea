/**
 * The MIS page over plain HTTP against a real MariaDB and the QuickBooks Online emulator: the numbers and
 * tables a bookkeeper reads, a batch run as a job, a retry, a form error beside its field, and the refusals
 * (no session, no CSRF token, another origin) for every form the page posts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { createTestMis, seedSample, statuses, type TestMis } from '../mis/helpers';
import { Client, type Dashboard, startDashboard } from './helpers';

let d: Dashboard;
let bare: Dashboard;
let mis: TestMis;

beforeAll(async () => {
  mis = await createTestMis();
  await seedSample(mis);
  d = await startDashboard({ MIS_DATABASE_URL: mis.url, MIS_RETRY_DELAY_SECONDS: '0' });
  createTokenVault(d.ctx).saveFromCodeExchange(
    d.emulator.realmId,
    parseTokenResponse(d.emulator.issueTokens()),
    { actor: 'test' },
  );
  bare = await startDashboard();
}, 60_000);

afterAll(async () => {
  await d?.close();
  await bare?.close();
  await mis?.drop();
});

async function loggedIn(dashboard: Dashboard): Promise<Client> {
  const client = new Client(dashboard.url);
  expect((await client.login()).status).toBe(303);
  return client;
}

function cell(html: string, attribute: string): string | undefined {
  return new RegExp(`${attribute}[^>]*>([^<]*)<`).exec(html)?.[1];
}

async function jobFinished(id: string): Promise<void> {
  await expect
    .poll(() => d.ctx.jobs.get(id)?.state, { timeout: 60_000, interval: 100 })
    .toMatch(/^(done|failed)$/);
}

describe('the MIS page', { timeout: 90_000 }, () => {
  it('says what to set when MIS_DATABASE_URL is missing', async () => {
    const client = await loggedIn(bare);
    const page = await client.request('/mis');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('not configured');
    expect(html).toContain('MIS_DATABASE_URL=mysql://');
    expect(html).not.toContain('action="/mis/batch"');
  });

  it('shows the analysis, the preview and the run forms', async () => {
    const client = await loggedIn(d);
    const html = await (await client.request('/mis')).text();
    expect(cell(html, 'data-stat="total"')).toBe('11');
    expect(cell(html, 'data-stat="synced"')).toBe('1');
    expect(cell(html, 'data-stat="not-synced"')).toBe('10');
    expect(html).toContain('data-preview="101"');
    expect(html).toContain('data-preview="110"');
    // 107's category has no QuickBooks item: the preview says so before anything is sent.
    expect(html).toMatch(/data-preview="107"[\s\S]*?no QuickBooks item/);
    expect(html).toContain('action="/mis/batch"');
  });

  it('refuses a batch size out of range beside the field, and runs nothing', async () => {
    const client = await loggedIn(d);
    const csrf = await client.csrfFrom('/mis');
    const r = await client.post('/mis/batch', { _csrf: csrf, batch_size: '500' });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toMatch(
      /id="mis-batch-size"[^>]*aria-invalid="true"[\s\S]*?class="field-error" id="mis-batch-size-error">The batch size must be a whole number from 1 to 100/,
    );
    expect(d.ctx.jobs.list({ flow: 'mis' })).toHaveLength(0);
  });

  it('runs a batch as a job, lists failures with reasons, retries one, and audits each as the user', async () => {
    const client = await loggedIn(d);
    const csrf = await client.csrfFrom('/mis');
    const r = await client.post('/mis/batch', { _csrf: csrf, batch_size: '4' });
    expect(r.status).toBe(303);
    const [job] = d.ctx.jobs.list({ flow: 'mis' });
    expect(job!.total).toBe(4);
    await jobFinished(job!.id);
    expect(d.ctx.jobs.get(job!.id)!.state).toBe('done');
    const after = await statuses(mis);
    expect([101, 102, 103, 104].map((id) => after[id])).toEqual([1, 1, 1, 1]);
    expect(after[105]).toBe(0);

    const all = await client.post('/mis/all', { _csrf: csrf });
    expect(all.status).toBe(303);
    const [second] = d.ctx.jobs.list({ flow: 'mis' });
    await jobFinished(second!.id);
    const html = await (await client.request('/mis')).text();
    expect(html).toMatch(/data-failed="107"[\s\S]*?no QuickBooks item/);
    expect(html).toMatch(/data-failed="110"[\s\S]*?Customer not found/);
    expect(html).toContain('data-job-card');

    const retried = await client.post('/mis/retry', { _csrf: csrf, invoice_id: '110' });
    expect(retried.status).toBe(303);
    const notice = await (await client.request('/mis')).text();
    expect(notice).toContain('Invoice 110 was not synchronized');
    const audit = d.ctx.audit
      .recent({ limit: 100 })
      .filter((a) => a.action.startsWith('dashboard.mis.'))
      .map((a) => [a.actor, a.action, a.outcome]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['user:alex', 'dashboard.mis.batch', 'success'],
        ['user:alex', 'dashboard.mis.all', 'success'],
        ['user:alex', 'dashboard.mis.retry', 'failure'],
      ]),
    );
  });

  it('says so when a run is already going, and starts nothing', async () => {
    const client = await loggedIn(d);
    const csrf = await client.csrfFrom('/mis');
    const running = d.ctx.jobs.start({ flow: 'mis', scope: mis.name, startedBy: 'another worker' });
    try {
      const r = await client.post('/mis/all', { _csrf: csrf });
      expect(r.status).toBe(303);
      expect(await (await client.request('/mis')).text()).toContain(
        `A mis job for ${mis.name} is already running (job ${running.id})`,
      );
      expect(d.ctx.jobs.list({ flow: 'mis' })[0]!.id).toBe(running.id);
    } finally {
      d.ctx.jobs.cancel(running.id, 'test over');
    }
  });

  it('refuses every form without a session, without the CSRF token or from another origin', async () => {
    const anon = new Client(d.url);
    const client = await loggedIn(d);
    const csrf = await client.csrfFrom('/mis');
    const before = d.ctx.jobs.list({ flow: 'mis' }).length;
    for (const [path, fields] of [
      ['/mis/batch', { batch_size: '1' }],
      ['/mis/all', {}],
      ['/mis/retry', { invoice_id: '107' }],
    ] as const) {
      expect((await anon.post(path, { ...fields, _csrf: csrf })).status).toBe(401);
      expect((await client.post(path, fields)).status).toBe(403);
      expect((await client.post(path, { ...fields, _csrf: csrf }, 'https://evil.example')).status).toBe(403);
    }
    expect(d.ctx.jobs.list({ flow: 'mis' })).toHaveLength(before);
    expect((await anon.request('/mis')).status).toBe(303);
  });
});
