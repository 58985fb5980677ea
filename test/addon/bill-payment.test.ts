import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/context';
import { type Host, startHost } from './host';
import { closeFetcher, fillSheet, loadAddon, readSheet } from './standin';

/** The built add-on with QBO_AUTO_MARK_BILL_PAID on: a bill row with Inv_paid_date is paid once. */

const headers = [
  'invoice',
  'Inv_paid_date',
  'inv_from',
  'to_client',
  'status',
  'inv_dollars',
  'submitted_date',
];

/** A money-out row (Accelebrate bills ACD), ready, unpaid unless `paid` is given. */
const billRow = (invoice: string, dollars: string, submitted: string, paid = '') => ({
  invoice,
  Inv_paid_date: paid,
  inv_from: 'Accelebrate',
  to_client: 'ACD',
  status: 'ready',
  inv_dollars: dollars,
  submitted_date: submitted,
});

let host: Host;
beforeAll(async () => {
  const dir = tempDir();
  const file = path.join(dir, 'directions.json');
  fs.writeFileSync(file, JSON.stringify({ money_in: ['ACD'], money_out: ['Accelebrate'] }));
  host = await startHost({
    SHEETS_DIRECTIONS_FILE: file,
    SHEETS_SYNC_MODE: 'dual',
    QBO_AUTO_MARK_BILL_PAID: 'true',
    QBO_BILL_PAYMENT_ACCOUNT_ID: '5',
  });
});
afterAll(async () => {
  await closeFetcher();
  await host.stop();
});

describe('bill payments through the built add-on', () => {
  it('a paid bill row gets its bill and one payment; the note says so; a second run pays nothing again', async () => {
    const gas = loadAddon(host, { properties: { QB_BRIDGE_SYNC_MODE: 'dual' } });
    fillSheet(gas, 'inv_tbl', headers, [
      billRow('PAID-1', '$250.00', '2026-03-01', '03/10/2026'),
      billRow('OPEN-1', '75', '2026-03-01'),
    ]);
    gas.run('syncReadyRows');
    const rows = readSheet(gas, 'inv_tbl');
    expect(rows[0]).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'paid', qb_bill_error: '' });
    expect(rows[1]).toMatchObject({ qb_sync_status: 'synced' });
    const sheet = gas.sheet('inv_tbl');
    const noteAt = sheet.values()[0]!.indexOf('qb_error');
    expect(sheet.notes[1]![noteAt]).toMatch(
      /Marked paid in QuickBooks: BillPayment \d+, 250\.00 on 2026-03-10/,
    );
    expect(String(sheet.notes[2]?.[noteAt] ?? '')).not.toMatch(/paid/i);

    const bills = (await host.entities('Bill')).filter((b) => String(b.DocNumber).endsWith('-1'));
    const paid = bills.find((b) => b.DocNumber === 'PAID-1')!;
    expect(paid.Id).toBe(rows[0]!.qb_bill_id);
    expect(paid.Balance).toBe(0);
    expect(bills.find((b) => b.DocNumber === 'OPEN-1')!.Balance).toBe(75);
    const payments = await host.entities('BillPayment');
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ TotalAmt: 250, TxnDate: '2026-03-10' });

    gas.run('syncReadyRows');
    expect(await host.entities('BillPayment')).toHaveLength(1);
  });

  /** Types a value into the row's cell under `header`, as the user does. */
  const typeInto = (gas: ReturnType<typeof loadAddon>, row: number, header: string, value: string) => {
    const sheet = gas.spreadsheet.getSheetByName('inv_tbl')!;
    sheet.getRange(row, sheet.values()[0]!.indexOf(header) + 1).setValue(value);
  };
  const billPayments = async (bill: string) =>
    (await host.entities('BillPayment')).filter((p) =>
      (p.Line as Array<{ LinkedTxn: Array<{ TxnId: string }> }>).some((l) => l.LinkedTxn[0]!.TxnId === bill),
    );

  it('a bill synced first and paid later gets its payment once, on the next run, even through lost answers', async () => {
    const gas = loadAddon(host, { properties: { QB_BRIDGE_SYNC_MODE: 'dual' } });
    const late = (invoice: string, dollars: string) => billRow(invoice, dollars, '2026-04-01');
    fillSheet(gas, 'inv_tbl', headers, [late('LATE-1', '300'), late('LATE-2', '$80.00')]);
    gas.run('syncReadyRows');
    let rows = readSheet(gas, 'inv_tbl');
    for (const r of rows) expect(r).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'synced' });
    const [bill1, bill2] = rows.map((r) => String(r.qb_bill_id));
    expect(await billPayments(bill1!)).toHaveLength(0);
    const billsBefore = (await host.entities('Bill')).length;

    // The user types the paid dates (the row keeps its status and ids).
    typeInto(gas, 2, 'Inv_paid_date', '04/15/2026');
    typeInto(gas, 3, 'Inv_paid_date', '2026-04-20');
    // Row 3's payment commits in QuickBooks but its answer is lost, twice.
    await host.faults(['drop-after-commit', 'drop-after-commit']);
    gas.run('syncReadyRows');
    for (let run = 0; run < 4; run++) {
      rows = readSheet(gas, 'inv_tbl');
      if (rows.every((r) => r.qb_bill_status === 'paid')) break;
      gas.run('syncReadyRows');
    }
    expect(await host.faults()).toEqual([]);
    // Both payments' answers were lost after QuickBooks committed them: each was found, not sent again.
    const audited = await host.sql(
      "select outcome from sheets_audit where entity = 'BillPayment' and doc_number like 'LATE-%'",
    );
    expect(audited.map((a) => a.outcome)).toEqual(['adopted', 'adopted']);
    rows = readSheet(gas, 'inv_tbl');
    expect(rows[0]).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'paid', qb_bill_id: bill1 });
    expect(rows[1]).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'paid', qb_bill_id: bill2 });
    expect(rows[0]!.qb_error).toBe('');
    const noteAt = gas.sheet('inv_tbl').values()[0]!.indexOf('qb_error');
    expect(gas.sheet('inv_tbl').notes[1]![noteAt]).toMatch(
      /Marked paid in QuickBooks: BillPayment \d+, 300\.00 on 2026-04-15/,
    );
    expect(await billPayments(bill1!)).toHaveLength(1);
    expect(await billPayments(bill2!)).toEqual([
      expect.objectContaining({ TotalAmt: 80, TxnDate: '2026-04-20' }),
    ]);
    expect((await host.entities('Bill')).length).toBe(billsBefore);

    // Third run: nothing is sent for paid rows, nothing is created.
    const payments = (await host.entities('BillPayment')).length;
    gas.run('syncReadyRows');
    expect((await host.entities('BillPayment')).length).toBe(payments);
    expect(readSheet(gas, 'inv_tbl')[0]).toMatchObject({ qb_bill_status: 'paid' });

    // The paid date is removed: QuickBooks keeps the payment and the row says so.
    typeInto(gas, 2, 'Inv_paid_date', '');
    gas.run('syncReadyRows');
    rows = readSheet(gas, 'inv_tbl');
    expect(rows[0]).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'paid' });
    expect(String(rows[0]!.qb_error)).toMatch(
      /Inv_paid_date was removed, .* stays paid in QuickBooks \(BillPayment \d+\): qb-bridge never deletes a payment/,
    );
    expect(rows[0]!.qb_bill_error).toBe(rows[0]!.qb_error);
    expect(await billPayments(bill1!)).toHaveLength(1);
    expect((await host.entities('Bill')).length).toBe(billsBefore);
  });

  it('an amount edited after the bill synced: the payment pays what QuickBooks holds and the row says it changed', async () => {
    const gas = loadAddon(host, { properties: { QB_BRIDGE_SYNC_MODE: 'dual' } });
    fillSheet(gas, 'inv_tbl', headers, [billRow('EDIT-1', '120', '2026-05-01')]);
    gas.run('syncReadyRows');
    const billId = String(readSheet(gas, 'inv_tbl')[0]!.qb_bill_id);
    typeInto(gas, 2, 'inv_dollars', '125');
    typeInto(gas, 2, 'Inv_paid_date', '2026-05-09');
    gas.run('syncReadyRows');
    const row = readSheet(gas, 'inv_tbl')[0]!;
    expect(row).toMatchObject({ qb_bill_status: 'paid', qb_bill_id: billId });
    expect(String(row.qb_error)).toMatch(
      /Changed after it was synced: QuickBooks still has the old version of bill EDIT-1/,
    );
    expect(await billPayments(billId)).toEqual([expect.objectContaining({ TotalAmt: 120 })]);
  });

  it('onEdit: typing a paid date on a synced bill row records its payment, not a "changed after synced" note', async () => {
    const gas = loadAddon(host, { properties: { QB_BRIDGE_SYNC_MODE: 'dual' } });
    fillSheet(gas, 'inv_tbl', headers, [billRow('EDIT-2', '60', '2026-06-01')]);
    gas.run('syncReadyRows');
    const billId = String(readSheet(gas, 'inv_tbl')[0]!.qb_bill_id);
    const sheet = gas.sheet('inv_tbl');
    const column = sheet.values()[0]!.indexOf('Inv_paid_date') + 1;
    sheet.getRange(2, column).setValue('2026-06-05');
    gas.run('onEditInstalled', { range: sheet.getRange(2, column), value: '2026-06-05' });
    const row = readSheet(gas, 'inv_tbl')[0]!;
    expect(row).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'paid', qb_error: '' });
    expect(await billPayments(billId)).toEqual([
      expect.objectContaining({ TotalAmt: 60, TxnDate: '2026-06-05' }),
    ]);
  });
});
