import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { createApp } from '../../gateway/src/server/app';
import { zimbraRoutes } from '../../gateway/src/zimbra/routes';
import {
  customerIdOf,
  invoicesOf,
  itemIdOf,
  startZimbraHarness,
  writeReport,
  type ZimbraHarness,
} from './helpers';

let h: ZimbraHarness;
let token: string;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  h = await startZimbraHarness();
  token = createApiToken(h.ctx.db, 'ops').token;
  app = createApp(h.ctx, { modules: [zimbraRoutes] });
  for (const day of ['07', '14', '21', '28']) {
    writeReport(h.reportDir, `2025-10-${day}`, [
      ['shop.example.com', [['std-5gb', 3]]],
      ['mail.shop.example.com', [['std-5gb', 1]]],
      ['other.org', [['basic', 2]]],
    ]);
  }
});
afterEach(async () => {
  await h.close();
});

async function call(method: string, path: string, body?: unknown, auth = true) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${token}`;
  const res = await app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads the envelope loosely
  return { status: res.status, json: (await res.json()) as any };
}

async function waitForJob(id: string) {
  for (let i = 0; i < 200; i++) {
    const { json } = await call('GET', `/api/zimbra/runs/${id}`);
    if (json.data.state !== 'running' && json.data.state !== 'queued') return json.data;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('job did not finish');
}

describe('Zimbra REST', () => {
  it('needs a token', async () => {
    expect((await call('GET', '/api/zimbra/unmapped', undefined, false)).status).toBe(401);
  });

  it('maps from /unmapped, with sibling suggestions, runs a month as a job, and audits every change', async () => {
    const skip = await call('POST', '/api/zimbra/runs', { year: 2025, month: 10, skipInvoices: true });
    expect(skip.status).toBe(202);
    const fetched = await waitForJob(skip.json.data.id);
    expect(fetched.state).toBe('done');

    const unmapped = await call('GET', '/api/zimbra/unmapped?year=2025&month=10');
    expect(unmapped.json.data.domains.map((d: { domain: string }) => d.domain)).toEqual([
      'mail.shop.example.com',
      'other.org',
      'shop.example.com',
    ]);
    expect(
      unmapped.json.data.cos.map((c: { name: string; quotaGb: number | null }) => [c.name, c.quotaGb]),
    ).toEqual([
      ['std-5gb', 5],
      ['basic', null],
    ]);

    const amy = customerIdOf(h.emulator, h.realm, "Amy's Bird Sanctuary");
    const hosting = itemIdOf(h.emulator, h.realm, 'Email Hosting');
    expect((await call('PUT', '/api/zimbra/domains/shop.example.com', { customerId: amy })).status).toBe(200);
    const again = await call('GET', '/api/zimbra/unmapped?year=2025&month=10');
    expect(
      again.json.data.domains.find((d: { domain: string }) => d.domain === 'mail.shop.example.com')
        .suggestion,
    ).toEqual({
      customerId: amy,
      customerName: "Amy's Bird Sanctuary",
      via: 'shop.example.com',
    });
    expect((await call('PUT', '/api/zimbra/domains/mail.shop.example.com', { customerId: amy })).status).toBe(
      200,
    );
    expect((await call('PUT', '/api/zimbra/domains/other.org', { exclude: true })).json.data.excluded).toBe(
      true,
    );
    expect((await call('PUT', '/api/zimbra/cos/std-5gb', { itemId: hosting })).json.data.quotaGb).toBe(5);
    const noQuota = await call('PUT', '/api/zimbra/cos/basic', { itemId: hosting });
    expect(noQuota.status).toBe(400);
    expect(noQuota.json.message).toMatch(/quotaGb/);
    expect((await call('PUT', '/api/zimbra/cos/basic', { itemId: hosting, quotaGb: 1 })).status).toBe(200);
    expect((await call('PUT', '/api/zimbra/domains/x.com', { customerId: '999999' })).status).toBe(404);
    expect((await call('PUT', '/api/zimbra/domains/not a domain', { exclude: true })).status).toBe(400);
    expect((await call('PUT', '/api/zimbra/cos/basic', {})).status).toBe(400);
    const audit = h.ctx.audit.recent().filter((a) => a.action.startsWith('zimbra_'));
    expect(audit).toHaveLength(5);
    expect(audit.every((a) => a.actor === 'ops')).toBe(true);

    const run = await call('POST', '/api/zimbra/runs', { year: 2025, month: 10, skipFetch: true });
    const job = await waitForJob(run.json.data.id);
    expect(job.state).toBe('done');
    expect(job.summary.invoices.created_count).toBe(1);
    expect(job.summary.invoices.total_amount_cents).toBe(4 * 450);
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(1);
    expect((await call('GET', '/api/zimbra/runs/nope')).status).toBe(404);
  });

  it('rejects bad run bodies', async () => {
    expect((await call('POST', '/api/zimbra/runs', { year: 2025, month: 13 })).status).toBe(400);
    expect((await call('POST', '/api/zimbra/runs', { year: 2025, month: 10, dryRun: 'yes' })).status).toBe(
      400,
    );
  });
});
