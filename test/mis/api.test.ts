import { afterEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { closeMisPool } from '../../gateway/src/mis/routes';
import { createApp } from '../../gateway/src/server/app';
import { createTestMis, duplicateInvoices, type MisHarness, startMisHarness, statuses } from './helpers';

interface Envelope {
  success: boolean;
  message: string;
  timestamp: string;
  data?: Record<string, unknown>;
  error?: { code: string };
}

describe('/api/v1/sync/* end to end (MariaDB + QBO emulator)', () => {
  let h: MisHarness;
  afterEach(async () => {
    await closeMisPool(h.ctx);
    await h.close();
  });

  async function call(method: string, path: string, body?: string, token?: string) {
    const app = createApp(h.ctx);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await app.request(path, { method, headers, body });
    return { status: res.status, json: (await res.json()) as Envelope };
  }

  it('every endpoint answers with the envelope; all runs as a job that status follows', async () => {
    h = await startMisHarness();
    const { token } = createApiToken(h.ctx.db, 'test');

    expect((await call('GET', '/api/v1/sync/analyze')).status).toBe(401);

    const analyze = await call('GET', '/api/v1/sync/analyze', undefined, token);
    expect(analyze.status).toBe(200);
    expect(analyze.json).toMatchObject({
      success: true,
      message: 'Synchronization analysis completed successfully',
      data: { total_invoices: 11, not_synced: 10, already_synced: 1, failed: 0, in_progress: 0 },
    });
    expect(analyze.json.timestamp).toMatch(/^\d{4}-/);

    const preview = await call('GET', '/api/v1/sync/preview?limit=3&offset=1', undefined, token);
    expect(preview.json.data).toMatchObject({ count: 3, limit: 3, offset: 1 });

    const batch = await call('POST', '/api/v1/sync/batch', JSON.stringify({ batch_size: 2 }), token);
    expect(batch.status).toBe(200);
    expect(batch.json.data).toMatchObject({ total_processed: 2, successful: 2, failed: 0, errors: [] });

    const single = await call('POST', '/api/v1/sync/single/110', undefined, token);
    expect(single.status).toBe(200);
    expect(single.json.data).toMatchObject({
      total_processed: 1,
      failed: 1,
      errors: [{ invoice_id: 110, error: expect.stringMatching(/^Customer not found/) }],
    });
    expect((await call('POST', '/api/v1/sync/single/101', undefined, token)).status).toBe(404);
    expect((await call('POST', '/api/v1/sync/single/424242', undefined, token)).status).toBe(404);

    const all = await call('POST', '/api/v1/sync/all', JSON.stringify({ max_batches: 10 }), token);
    expect(all.status).toBe(202);
    const jobId = String(all.json.data?.job_id);
    let state = '';
    for (let i = 0; i < 200 && state !== 'done'; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      const s = await call('GET', '/api/v1/sync/status', undefined, token);
      state = String((s.json.data?.job as { state?: string } | null)?.state);
      expect((s.json.data?.job as { id?: string } | null)?.id).toBe(jobId);
    }
    expect(state).toBe('done');
    const final = await call('GET', '/api/v1/sync/status', undefined, token);
    expect(final.json.data).toMatchObject({
      statistics: { total_invoices: 11, already_synced: 7, failed: 4, in_progress: 0, not_synced: 0 },
      progress_percentage: 63.6,
      quickbooks_connected: true,
    });
    expect(final.json.data?.last_updated).toMatch(/Z$/);
    const job = (final.json.data?.job ?? {}) as { summary?: Record<string, unknown> };
    // 110 failed once through single and is due again (MIS_RETRY_DELAY_SECONDS=0): it is retried here.
    expect(job.summary).toMatchObject({ total_successful: 4, total_failed: 4 });
    expect(await statuses(h.mis)).toMatchObject({ 101: 1, 106: 1, 107: 2, 110: 2 });
    expect(duplicateInvoices(h)).toBe(0);
  });

  it('bad bodies and parameters get 400 with a sentence', async () => {
    h = await startMisHarness();
    const { token } = createApiToken(h.ctx.db, 'test');
    const bad: Array<[string, string, string | undefined, RegExp]> = [
      [
        'POST',
        '/api/v1/sync/batch',
        '{"batch_size": -1}',
        /batch_size must be a whole number from 1 to 100, got -1/,
      ],
      ['POST', '/api/v1/sync/batch', '{"batch_size": "50"}', /batch_size must be a whole number/],
      ['POST', '/api/v1/sync/batch', '{"batch_size": 1e12}', /batch_size/],
      ['POST', '/api/v1/sync/batch', '{"batch_size": 2.5}', /batch_size/],
      ['POST', '/api/v1/sync/batch', '[1]', /JSON object/],
      ['POST', '/api/v1/sync/batch', '{nope', /must be JSON/],
      ['POST', '/api/v1/sync/batch', '{"size": 5}', /Unknown field "size"/],
      ['POST', '/api/v1/sync/all', '{"max_batches": 0}', /max_batches/],
      ['POST', '/api/v1/sync/all', '{"max_batches": "ten"}', /max_batches/],
      ['POST', '/api/v1/sync/all', '{"dry_run": "yes"}', /dry_run must be true or false/],
      ['POST', '/api/v1/sync/batch', '{"retry_rejected": 1}', /retry_rejected must be true or false/],
      ['GET', '/api/v1/sync/preview?limit=101', undefined, /limit must be a whole number from 1 to 100/],
      ['GET', '/api/v1/sync/preview?offset=-3', undefined, /offset/],
      ['POST', '/api/v1/sync/single/abc', undefined, /invoice id must be a whole number/],
      ['POST', '/api/v1/sync/single/99999999999', undefined, /invoice id/],
    ];
    for (const [method, path, body, pattern] of bad) {
      const res = await call(method, path, body, token);
      expect(res.status, `${method} ${path} ${body}`).toBe(400);
      expect(res.json.success).toBe(false);
      expect(res.json.message).toMatch(pattern);
    }
    expect((await statuses(h.mis))[101]).toBe(0);
  });

  it('a MIS missing a column answers 503 naming it; QuickBooks not connected answers 400', async () => {
    const broken = await createTestMis(
      'CREATE TABLE tbl_imvoice (id INT PRIMARY KEY, reg_no VARCHAR(200), fee_category INT, dept FLOAT, credit FLOAT, invoice_date DATETIME, comment VARCHAR(900), QuickBk_Status INT, pushed_date DATETIME, quickbooks_id VARCHAR(255));',
    );
    h = await startMisHarness({ seed: false, env: { MIS_DATABASE_URL: broken.url } });
    const { token } = createApiToken(h.ctx.db, 'test');
    const res = await call('GET', '/api/v1/sync/analyze', undefined, token);
    expect(res.status).toBe(503);
    expect(res.json.message).toMatch(/lacks columns tbl_imvoice\.pushed_by, tbl_income_category/);
    await broken.drop();
  });
});

describe('QuickBooks not connected', () => {
  it('batch answers 400 "QuickBooks not connected" and leaves every row as it was', async () => {
    const mis = await createTestMis();
    const { seedSample } = await import('./helpers');
    await seedSample(mis);
    const { testContext } = await import('../helpers/context');
    const ctx = testContext({ QBO_ENVIRONMENT: 'emulator', MIS_DATABASE_URL: mis.url });
    try {
      const { token } = createApiToken(ctx.db, 'test');
      const res = await createApp(ctx).request('/api/v1/sync/batch', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"batch_size": 5}',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Envelope).message).toMatch(/^QuickBooks not connected/);
      expect((await statuses(mis))[101]).toBe(0);
    } finally {
      await closeMisPool(ctx);
      ctx.close();
      await mis.drop();
    }
  });
});
