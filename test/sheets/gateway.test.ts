import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resetDeniedAuditWindow } from '../../gateway/src/auth/addon/auth';
import { createAddonKey, signRequest } from '../../gateway/src/auth/addon/hmac';
import { runningSheetJob } from '../../gateway/src/sheets/service';
import { SheetsStore } from '../../gateway/src/sheets/store';
import type { JobAccepted, RowResult } from '../../shared/src/sheets/contract';
import { tempDir } from '../helpers/context';
import { byRow, type SheetsGateway, sheetRow, startSheetsGateway } from './helpers';

const ready = { status: 'ready', inv_from: 'ACD' };

describe('sheet sync through /api/sheets against the emulator', () => {
  let g: SheetsGateway;
  afterEach(async () => g.close());

  it('rows sharing an invoice number become one invoice with several lines; bad rows get clear errors', async () => {
    g = await startSheetsGateway();
    const rows = [
      sheetRow(
        {
          ...ready,
          invoice: 'ACD-1001',
          to_client: 'Cool Cars',
          inv_dollars: '$1,200.00',
          task_descr: 'Day 1',
          inv_link: 'https://docs.example.com/1001.pdf',
        },
        'a1',
        2,
      ),
      sheetRow(
        { ...ready, invoice: 'ACD-1001', to_client: 'Cool Cars', inv_dollars: '800', task_descr: 'Day 2' },
        'a2',
        3,
      ),
      sheetRow(
        {
          ...ready,
          invoice: 'ACD-1002',
          to_client: 'New Client LLC',
          inv_dollars: 250.5,
          submitted_date: '3/4/2026',
        },
        'a3',
        4,
      ),
      sheetRow({ ...ready, invoice: 'ACD-1003', to_client: 'Cool Cars', inv_dollars: '1,2,3' }, 'a4', 5),
      sheetRow(
        { ...ready, invoice: 'ACD-1004', to_client: '', inv_dollars: '10', submitted_date: '2026-02-30' },
        'a5',
        6,
      ),
      sheetRow({ status: 'draft', invoice: 'ACD-1005', to_client: 'Cool Cars', inv_dollars: '10' }, 'a6', 7),
    ];
    const job = await g.runJob({ spreadsheetId: 'sheet1', sheetName: 'inv_tbl', rows });
    expect(job.state).toBe('done');
    const r = byRow(job.results);
    expect(r.get('a1')).toMatchObject({ status: 'synced', docNumber: 'ACD-1001' });
    expect(r.get('a2')!.invoiceId).toBe(r.get('a1')!.invoiceId);
    expect(r.get('a1')!.invoiceUrl).toMatch(/\/app\/invoice\?txnId=\d+$/);
    expect(r.get('a3')).toMatchObject({ status: 'synced' });
    expect(r.get('a4')).toMatchObject({ status: 'failed' });
    expect(r.get('a4')!.error).toMatch(/thousands separators/);
    expect(r.get('a5')!.error).toMatch(/to_client and end_client are both empty.*not a real date/);
    expect(r.has('a6')).toBe(false);

    const invoices = g.h.emulator.entities(g.h.realm, 'Invoice');
    const multi = invoices.find((i) => i.DocNumber === 'ACD-1001')!;
    const lines = (multi.Line as Array<Record<string, unknown>>).filter(
      (l) => l.DetailType === 'SalesItemLineDetail',
    );
    expect(lines.map((l) => l.Amount)).toEqual([1200, 800]);
    expect(String(multi.PrivateNote)).toMatch(/^Source: https:\/\/docs.example.com\/1001.pdf/);
    const second = invoices.find((i) => i.DocNumber === 'ACD-1002')!;
    expect(second.TxnDate).toBe('2026-03-04');
    expect(g.h.emulator.entities(g.h.realm, 'Customer').some((c) => c.DisplayName === 'New Client LLC')).toBe(
      true,
    );

    // Audit: one row per object with the ledger's requestid.
    const audit = new SheetsStore(g.h.ctx.db).auditRows('sheet1');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ entity: 'Invoice', outcome: 'created' });
    expect(String(audit[0]!.request_id)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('re-running the same rows creates nothing twice; an edited synced row says QuickBooks has the old version', async () => {
    g = await startSheetsGateway();
    const rows = [
      sheetRow({ ...ready, invoice: 'RR-1', to_client: 'Cool Cars', inv_dollars: '100' }, 'b1', 2),
    ];
    const first = await g.runJob({ spreadsheetId: 'sheet2', sheetName: 'inv_tbl', rows });
    const again = await g.json<JobAccepted>('POST', '/api/sheets/jobs', {
      spreadsheetId: 'sheet2',
      sheetName: 'inv_tbl',
      rows,
    });
    expect(again.body.data).toMatchObject({ jobId: first.id, reused: true });
    // The add-on lost its write-back and the person reset the row: a new job, still one invoice.
    const edited = [
      sheetRow({ ...ready, invoice: 'RR-1', to_client: 'Cool Cars', inv_dollars: '150' }, 'b1', 2),
    ];
    const second = await g.runJob({ spreadsheetId: 'sheet2', sheetName: 'inv_tbl', rows: edited });
    expect(second.id).not.toBe(first.id);
    expect(second.results[0]).toMatchObject({ status: 'synced', invoiceId: first.results[0]!.invoiceId });
    expect(second.results[0]!.error).toMatch(/QuickBooks still has the old version/);
    expect(g.h.emulator.entities(g.h.realm, 'Invoice').filter((i) => i.DocNumber === 'RR-1')).toHaveLength(1);
  });

  it('money out: skipped with the reason in invoice_only, a Bill from the vendor in dual; unknown direction is a row error', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'directions.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ money_in: ['ACD'], money_out: ['Accelebrate'], aliases: { 'acd inc': 'ACD' } }),
    );
    g = await startSheetsGateway({ SHEETS_DIRECTIONS_FILE: file });
    const rows = () => [
      sheetRow(
        { status: 'ready', inv_from: 'ACD Inc', invoice: 'D-1', to_client: 'Cool Cars', inv_dollars: '10' },
        'c1',
        2,
      ),
      sheetRow(
        {
          status: 'ready',
          inv_from: 'Accelebrate',
          invoice: 'V-77',
          to_client: 'ACD',
          inv_dollars: '40',
          task_descr: 'Trainer',
        },
        'c2',
        3,
      ),
      sheetRow(
        {
          status: 'ready',
          inv_from: 'Mystery Co',
          invoice: 'D-2',
          to_client: 'Cool Cars',
          inv_dollars: '10',
        },
        'c3',
        4,
      ),
    ];
    const only = byRow(
      (
        await g.runJob({
          spreadsheetId: 's3',
          sheetName: 'inv_tbl',
          rows: rows(),
          options: { mode: 'invoice_only' },
        })
      ).results,
    );
    expect(only.get('c1')!.status).toBe('synced');
    expect(only.get('c2')).toMatchObject({ status: 'skipped', billStatus: 'skipped' });
    expect(only.get('c2')!.error).toMatch(/bills are off/);
    expect(only.get('c3')!.error).toMatch(/neither money_in nor money_out/);
    expect(g.h.emulator.entities(g.h.realm, 'Bill')).toHaveLength(0);

    const dual = byRow(
      (await g.runJob({ spreadsheetId: 's3', sheetName: 'inv_tbl', rows: rows(), options: { mode: 'dual' } }))
        .results,
    );
    expect(dual.get('c2')).toMatchObject({ status: 'synced', billStatus: 'synced' });
    expect(dual.get('c2')!.billUrl).toMatch(/\/app\/bill\?txnId=/);
    const bill = g.h.emulator.entities(g.h.realm, 'Bill').find((b) => b.DocNumber === 'V-77')!;
    expect(bill).toBeDefined();
    expect(
      g.h.emulator
        .entities(g.h.realm, 'Vendor')
        .find((v) => v.Id === (bill.VendorRef as { value: string }).value)?.DisplayName,
    ).toBe('Accelebrate');
    expect(g.h.emulator.entities(g.h.realm, 'Invoice').filter((i) => i.DocNumber === 'D-1')).toHaveLength(1);
  });

  it('validate has no side effects: no customer, ledger row or job', async () => {
    g = await startSheetsGateway();
    const customers = g.h.emulator.entities(g.h.realm, 'Customer').length;
    const res = await g.json<{ results: RowResult[] }>('POST', '/api/sheets/validate', {
      spreadsheetId: 'sv',
      sheetName: 'inv_tbl',
      rows: [
        sheetRow({ ...ready, invoice: 'V-1', to_client: 'Brand New Customer', inv_dollars: '5' }, 'v1', 2),
        sheetRow(
          {
            ...ready,
            invoice: 'https://x.example.com/a.pdf',
            to_client: 'Cool Cars',
            inv_dollars: '(12.00)',
          },
          'v2',
          3,
        ),
      ],
    });
    expect(res.status).toBe(200);
    const r = byRow(res.body.data.results);
    expect(r.get('v1')!.status).toBe('ok');
    expect(r.get('v1')!.warnings.join(' ')).toMatch(/will be created/);
    expect(r.get('v2')!.error).toMatch(/holds a link.*negative/);
    expect(g.h.emulator.entities(g.h.realm, 'Customer')).toHaveLength(customers);
    expect(g.h.ctx.db.prepare('SELECT COUNT(*) AS n FROM qbo_ledger').get()).toEqual({ n: 0 });
    expect(g.h.ctx.jobs.list({ flow: 'sheets' })).toHaveLength(0);
  });

  it('dry run creates nothing; limit takes the first rows; backfill adds paid rows never synced', async () => {
    g = await startSheetsGateway();
    const rows = [
      sheetRow({ ...ready, invoice: 'DR-1', to_client: 'Dry Run Only Co', inv_dollars: '5' }, 'd1', 2),
      sheetRow({ ...ready, invoice: 'DR-2', to_client: 'Cool Cars', inv_dollars: '5' }, 'd2', 3),
      sheetRow(
        { status: 'paid', inv_from: 'ACD', invoice: 'DR-3', to_client: 'Cool Cars', inv_dollars: '5' },
        'd3',
        4,
      ),
    ];
    const dry = await g.runJob({
      spreadsheetId: 'dry',
      sheetName: 'inv_tbl',
      rows,
      options: { dryRun: true },
    });
    expect(dry.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(dry.results[0]!.warnings.join(' ')).toMatch(/Would create invoice DR-1.*will be created/);
    expect(
      g.h.emulator.entities(g.h.realm, 'Customer').some((c) => c.DisplayName === 'Dry Run Only Co'),
    ).toBe(false);
    expect(g.h.emulator.entities(g.h.realm, 'Invoice')).toHaveLength(0);
    const limited = await g.runJob({
      spreadsheetId: 'dry',
      sheetName: 'inv_tbl',
      rows,
      options: { limit: 1 },
    });
    expect(limited.results.map((r) => r.rowId)).toEqual(['d1']);
    const backfill = await g.runJob({
      spreadsheetId: 'dry',
      sheetName: 'inv_tbl',
      rows: rows.slice(2),
      options: { backfill: true },
    });
    expect(backfill.results).toMatchObject([{ rowId: 'd3', status: 'synced' }]);
  });

  it('an add-on key made for one spreadsheet is refused for another', async () => {
    g = await startSheetsGateway();
    const { key } = createAddonKey(g.h.ctx, 'SheetA_123456');
    const body = JSON.stringify({ spreadsheetId: 'SheetB_123456', sheetName: 'inv_tbl', rows: [] });
    const res = await g.call(
      'POST',
      '/api/sheets/validate',
      JSON.parse(body),
      signRequest(key, { method: 'POST', path: '/api/sheets/validate', body }),
    );
    expect(res.status).toBe(403);
  });

  it('status shows the company; a second job while one runs answers already running', async () => {
    g = await startSheetsGateway();
    const status = await g.json<{ quickbooks: { connected: boolean; companyName: string } }>(
      'GET',
      '/api/sheets/status',
    );
    expect(status.body.data.quickbooks.connected).toBe(true);
    const rows = Array.from({ length: 40 }, (_, i) =>
      sheetRow({ ...ready, invoice: `P-${i}`, to_client: 'Cool Cars', inv_dollars: '1' }, `p${i}`, i + 2),
    );
    const a = await g.json<JobAccepted>('POST', '/api/sheets/jobs', {
      spreadsheetId: 'busy',
      sheetName: 'inv_tbl',
      rows,
    });
    const b = await g.json<JobAccepted>('POST', '/api/sheets/jobs', {
      spreadsheetId: 'busy',
      sheetName: 'inv_tbl',
      rows: rows.slice(1),
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(409);
    expect(b.body.message).toMatch(/already running/);
    await runningSheetJob(a.body.data.jobId);
  });
});

describe('HMAC add-on auth', () => {
  let g: SheetsGateway;
  afterEach(async () => g.close());

  it('refuses replays, stale or future timestamps, bad signatures and unsigned calls (audited, rate-limited)', async () => {
    g = await startSheetsGateway();
    resetDeniedAuditWindow();
    const path = '/api/sheets/status';
    const headers = signRequest(g.key, { method: 'GET', path, body: '' });
    expect((await g.call('GET', path, undefined, headers)).status).toBe(200);
    const replay = await g.call('GET', path, undefined, headers);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { message: string }).message).toMatch(/nonce already used/);
    const stale = signRequest(g.key, { method: 'GET', path, body: '' }, Date.now() - 10 * 60_000);
    expect(
      ((await (await g.call('GET', path, undefined, stale)).json()) as { message: string }).message,
    ).toMatch(/timestamp/);
    const future = signRequest(g.key, { method: 'GET', path, body: '' }, Date.now() + 10 * 60_000);
    expect((await g.call('GET', path, undefined, future)).status).toBe(401);
    const tampered = signRequest(g.key, { method: 'POST', path: '/api/sheets/validate', body: '{"a":1}' });
    const res = await g.call('POST', '/api/sheets/validate', { a: 2 }, tampered);
    expect(((await res.json()) as { message: string }).message).toMatch(/bad signature/);
    expect((await g.call('GET', path, undefined, {})).status).toBe(401);
    for (let i = 0; i < 40; i++) await g.call('GET', path, undefined, {});
    const denied = g.h.ctx.db
      .prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'addon.auth'")
      .get() as { n: number };
    expect(denied.n).toBe(20);
  });
});
