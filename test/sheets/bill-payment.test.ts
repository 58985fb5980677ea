import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runningSheetJob } from '../../gateway/src/sheets/service';
import { SheetsStore } from '../../gateway/src/sheets/store';
import type { SheetRowInput } from '../../shared/src/sheets/contract';
import { tempDir } from '../helpers/context';
import { byRow, type SheetsGateway, sheetRow, startSheetsGateway } from './helpers';

/** QBO_AUTO_MARK_BILL_PAID: money-out rows with an Inv_paid_date get one BillPayment for their bill. */

const checking = '5';

async function gatewayPayingBills(autoPay = true): Promise<SheetsGateway> {
  const dir = tempDir();
  const file = path.join(dir, 'directions.json');
  fs.writeFileSync(file, JSON.stringify({ money_in: ['ACD'], money_out: ['Accelebrate', 'Hicks Hardware'] }));
  const g = await startSheetsGateway({ SHEETS_DIRECTIONS_FILE: file, SHEETS_SYNC_MODE: 'dual' });
  Object.assign(g.h.ctx.config, { QBO_AUTO_MARK_BILL_PAID: autoPay, QBO_BILL_PAYMENT_ACCOUNT_ID: checking });
  return g;
}

const billRow = (
  rowId: string,
  at: number,
  values: Partial<Record<string, string>>,
  paid: string | null = '2026-03-10',
): SheetRowInput =>
  sheetRow(
    {
      status: 'ready',
      inv_from: 'Accelebrate',
      to_client: 'ACD',
      submitted_date: '2026-03-01',
      inv_dollars: '40',
      ...(paid ? { inv_paid_date: paid } : {}),
      ...values,
    },
    rowId,
    at,
  );

const payments = (g: SheetsGateway) => g.h.emulator.entities(g.h.realm, 'BillPayment');
const billOf = (g: SheetsGateway, doc: string) =>
  g.h.emulator.entities(g.h.realm, 'Bill').find((b) => b.DocNumber === doc)!;

describe('bill payments from the sheet (QBO_AUTO_MARK_BILL_PAID)', () => {
  let g: SheetsGateway;
  afterEach(async () => g.close());

  it('pays each paid bill once, in full, dated the paid date; a re-run pays nothing again', async () => {
    g = await gatewayPayingBills();
    const rows = [
      billRow('p1', 2, { invoice: 'V-1', inv_dollars: '$1,200.50' }),
      billRow('p2', 3, { invoice: 'V-2', inv_dollars: '100' }),
      billRow('p3', 4, { invoice: 'V-2', inv_dollars: '25.25' }),
      billRow('p4', 5, { invoice: 'V-3' }, null),
    ];
    const first = byRow((await g.runJob({ spreadsheetId: 'pay1', sheetName: 'inv_tbl', rows })).results);
    expect(first.get('p1')).toMatchObject({ status: 'synced', billStatus: 'paid' });
    expect(first.get('p1')!.billId).toBe(billOf(g, 'V-1').Id);
    expect(first.get('p1')!.warnings.join('\n')).toMatch(
      /Marked paid in QuickBooks: BillPayment \d+, 1200\.50 on 2026-03-10/,
    );
    expect(first.get('p3')!.warnings.join('\n')).toMatch(/125\.25 on 2026-03-10/);
    expect(first.get('p4')!.warnings.join('\n')).not.toMatch(/paid/i);
    expect(payments(g)).toHaveLength(2);
    expect(billOf(g, 'V-1').Balance).toBe(0);
    expect(billOf(g, 'V-2').Balance).toBe(0);
    expect(billOf(g, 'V-3').Balance).toBe(40);
    const paidV1 = payments(g).find(
      (p) =>
        (p.Line as Array<{ LinkedTxn: Array<{ TxnId: string }> }>)[0]!.LinkedTxn[0]!.TxnId ===
        billOf(g, 'V-1').Id,
    )!;
    expect(paidV1).toMatchObject({
      PayType: 'Check',
      CheckPayment: { BankAccountRef: { value: checking } },
      TotalAmt: 1200.5,
      TxnDate: '2026-03-10',
      VendorRef: billOf(g, 'V-1').VendorRef,
    });

    // The same rows again as a new job (another option makes it a new request): nothing is created twice.
    const again = byRow(
      (
        await g.runJob({
          spreadsheetId: 'pay1',
          sheetName: 'inv_tbl',
          rows,
          options: { includeFailed: true },
        })
      ).results,
    );
    expect(again.get('p1')).toMatchObject({ status: 'synced', billId: billOf(g, 'V-1').Id });
    expect(payments(g)).toHaveLength(2);
    expect(g.h.emulator.entities(g.h.realm, 'Bill')).toHaveLength(3);
    const audited = new SheetsStore(g.h.ctx.db).auditRows('pay1').filter((a) => a.entity === 'BillPayment');
    expect(audited.map((a) => a.ledger_key).sort()).toEqual(
      [
        'sheets:pay1:p1:payment',
        'sheets:pay1:p2:payment',
        'sheets:pay1:p1:payment',
        'sheets:pay1:p2:payment',
      ].sort(),
    );
    expect(new Set(audited.map((a) => a.qbo_id)).size).toBe(2);
  });

  it('records one payment when answers are lost after QuickBooks committed, and none for a 5xx', async () => {
    g = await gatewayPayingBills();
    // The first write (the bills' batch) and the second (a payment) commit but lose their answers; the third
    // write (the other payment) is refused with a 500 before it runs.
    g.h.emulator.faults.nextFaults.push('drop-after-commit', 'drop-after-commit', '500');
    // A vendor the company already has, so no vendor create takes one of the faults.
    const hicks = { inv_from: 'Hicks Hardware' };
    const rows = [
      billRow('f1', 2, { ...hicks, invoice: 'F-1' }),
      billRow('f2', 3, { ...hicks, invoice: 'F-2', inv_dollars: '12' }),
    ];
    const view = await g.runJob({ spreadsheetId: 'pay2', sheetName: 'inv_tbl', rows });
    expect(g.h.emulator.faults.nextFaults).toEqual([]);
    // A payment was among the calls that failed: it was sent again (with its requestid) after a lookup.
    expect(g.h.emulator.stats().byPath['POST /billpayment']).toBeGreaterThan(2);
    const results = byRow(view.results);
    // A payment left unsettled in this run says so and carries no bill Id, so the row is sent again.
    for (const id of ['f1', 'f2']) {
      const r = results.get(id)!;
      if (r.status === 'pending') {
        expect(r.billId).toBeUndefined();
        expect(r.error).toMatch(/payment is not settled yet/);
      } else expect(r.status).toBe('synced');
    }
    const rerun = byRow(
      (
        await g.runJob({
          spreadsheetId: 'pay2',
          sheetName: 'inv_tbl',
          rows,
          options: { includeFailed: true },
        })
      ).results,
    );
    expect(rerun.get('f1')!.status).toBe('synced');
    expect(rerun.get('f2')!.status).toBe('synced');
    expect(g.h.emulator.entities(g.h.realm, 'Bill')).toHaveLength(2);
    expect(payments(g)).toHaveLength(2);
    expect(billOf(g, 'F-1').Balance).toBe(0);
    expect(billOf(g, 'F-2').Balance).toBe(0);
  });

  it('a payment QuickBooks refuses (more than the bill still owes) is that row’s error; the others are paid', async () => {
    g = await gatewayPayingBills();
    const unpaid = [billRow('o1', 2, { invoice: 'O-1' }, null), billRow('o2', 3, { invoice: 'O-2' }, null)];
    await g.runJob({ spreadsheetId: 'pay3', sheetName: 'inv_tbl', rows: unpaid });
    expect(payments(g)).toHaveLength(0);
    // Someone pays 30 of O-1's 40 in QuickBooks itself; the sheet then says both bills were paid.
    const o1 = billOf(g, 'O-1');
    g.h.emulator.create(g.h.realm, 'BillPayment', {
      VendorRef: o1.VendorRef,
      PayType: 'Check',
      CheckPayment: { BankAccountRef: { value: checking } },
      TotalAmt: 30,
      Line: [{ Amount: 30, LinkedTxn: [{ TxnId: o1.Id, TxnType: 'Bill' }] }],
    });
    const paid = [billRow('o1', 2, { invoice: 'O-1' }), billRow('o2', 3, { invoice: 'O-2' })];
    const results = byRow(
      (await g.runJob({ spreadsheetId: 'pay3', sheetName: 'inv_tbl', rows: paid })).results,
    );
    expect(results.get('o1')).toMatchObject({ status: 'failed', billStatus: 'failed', billId: o1.Id });
    expect(results.get('o1')!.billError).toMatch(
      /Bill O-1 is in QuickBooks \(Id \d+\), but QuickBooks refused its payment: .*more than the 10\.00 still open/,
    );
    expect(results.get('o2')).toMatchObject({ status: 'synced' });
    expect(billOf(g, 'O-1').Balance).toBe(10);
    expect(billOf(g, 'O-2').Balance).toBe(0);
    expect(payments(g)).toHaveLength(2);
  });

  it('off by default; with it on, validate says what it would do and a multi-line bill with two paid dates is not paid', async () => {
    g = await gatewayPayingBills(false);
    await g.runJob({
      spreadsheetId: 'pay4',
      sheetName: 'inv_tbl',
      rows: [billRow('d1', 2, { invoice: 'D-1' })],
    });
    expect(payments(g)).toHaveLength(0);
    Object.assign(g.h.ctx.config, { QBO_AUTO_MARK_BILL_PAID: true });
    const rows = [
      billRow('d2', 3, { invoice: 'D-2' }),
      billRow('d3', 4, { invoice: 'D-3' }, '2026-03-11'),
      billRow('d4', 5, { invoice: 'D-3' }, '2026-03-12'),
    ];
    const checked = await g.json<{ results: Array<{ rowId: string; warnings: string[] }> }>(
      'POST',
      '/api/sheets/validate',
      { spreadsheetId: 'pay4', sheetName: 'inv_tbl', rows },
    );
    const notes = new Map(checked.body.data.results.map((r) => [r.rowId, r.warnings.join('\n')]));
    expect(notes.get('d2')).toMatch(/Would mark it paid on 2026-03-10/);
    expect(notes.get('d3')).toMatch(/Inv_paid_date differs between the rows of bill D-3/);
    expect(payments(g)).toHaveLength(0);
    const results = byRow((await g.runJob({ spreadsheetId: 'pay4', sheetName: 'inv_tbl', rows })).results);
    expect(results.get('d3')).toMatchObject({ status: 'synced' });
    expect(results.get('d3')!.warnings.join('\n')).toMatch(/was not marked paid/);
    expect(payments(g)).toHaveLength(1);
  });

  it('payment-only pass: a synced multi-line bill is paid as a whole, never re-created, and only when it is ours', async () => {
    g = await gatewayPayingBills();
    const lines = [
      billRow('m1', 2, { invoice: 'M-1', inv_dollars: '30' }, null),
      billRow('m2', 3, { invoice: 'M-1', inv_dollars: '45' }, null),
    ];
    const first = byRow(
      (await g.runJob({ spreadsheetId: 'pay5', sheetName: 'inv_tbl', rows: lines })).results,
    );
    const billId = first.get('m1')!.billId!;
    expect(first.get('m2')).toMatchObject({ billId, billStatus: 'synced' });
    const synced = (row: SheetRowInput, extra: Record<string, string> = {}): SheetRowInput => ({
      ...row,
      values: {
        ...row.values,
        qb_bill_id: billId,
        qb_sync_status: 'synced',
        qb_bill_status: 'synced',
        ...extra,
      },
    });
    const request = (rows: SheetRowInput[]) => ({ spreadsheetId: 'pay5', sheetName: 'inv_tbl', rows });

    // A paid date on one line only: the other line comes along and the dates disagree, so nothing is paid.
    const half = byRow(
      (await g.runJob(request([synced(lines[0]!, { inv_paid_date: '2026-03-20' }), synced(lines[1]!)])))
        .results,
    );
    for (const id of ['m1', 'm2']) {
      expect(half.get(id)).toMatchObject({ status: 'synced' });
      expect(half.get(id)!.billError).toMatch(/Inv_paid_date differs between the rows of bill M-1/);
    }
    expect(payments(g)).toHaveLength(0);

    // With it off on the gateway, the row is not taken and says why.
    Object.assign(g.h.ctx.config, { QBO_AUTO_MARK_BILL_PAID: false });
    const both = [
      synced(lines[0]!, { inv_paid_date: '2026-03-20' }),
      synced(lines[1]!, { inv_paid_date: '2026-03-20' }),
    ];
    const off = await g.json<{ jobId: string; accepted: number; notEligible: Array<{ warnings: string[] }> }>(
      'POST',
      '/api/sheets/jobs',
      request(both),
    );
    await runningSheetJob(off.body.data.jobId);
    expect(off.body.data.accepted).toBe(0);
    expect(off.body.data.notEligible[0]!.warnings[0]).toMatch(/QBO_AUTO_MARK_BILL_PAID/);
    Object.assign(g.h.ctx.config, { QBO_AUTO_MARK_BILL_PAID: true });

    // A qb_bill_id that is not the ledger's bill for these rows: nothing is created, the row says so.
    const forged = byRow(
      (await g.runJob(request(both.map((r) => ({ ...r, values: { ...r.values, qb_bill_id: '999' } })))))
        .results,
    );
    expect(forged.get('m1')!.billError).toMatch(/qb_bill_id 999 is not the bill qb-bridge created/);
    expect(payments(g)).toHaveLength(0);

    const checked = await g.json<{ results: Array<{ warnings: string[] }> }>(
      'POST',
      '/api/sheets/validate',
      request(both),
    );
    for (const r of checked.body.data.results) {
      expect(r.warnings.join('\n')).toMatch(/Its bill is already in QuickBooks \(Id \d+\)/);
      expect(r.warnings.join('\n')).not.toMatch(/Would create/);
    }
    const paid = byRow((await g.runJob(request(both))).results);
    expect(paid.get('m1')).toMatchObject({ status: 'synced', billStatus: 'paid', billId });
    expect(paid.get('m2')).toMatchObject({ status: 'synced', billStatus: 'paid', billId });
    expect(paid.get('m1')!.syncedAt).toBeUndefined();
    expect(payments(g)).toEqual([expect.objectContaining({ TotalAmt: 75, TxnDate: '2026-03-20' })]);
    expect(g.h.emulator.entities(g.h.realm, 'Bill')).toHaveLength(1);
    expect(billOf(g, 'M-1').Balance).toBe(0);
  });
});
