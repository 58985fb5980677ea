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
      {
        invoice: 'PAID-1',
        Inv_paid_date: '03/10/2026',
        inv_from: 'Accelebrate',
        to_client: 'ACD',
        status: 'ready',
        inv_dollars: '$250.00',
        submitted_date: '2026-03-01',
      },
      {
        invoice: 'OPEN-1',
        Inv_paid_date: '',
        inv_from: 'Accelebrate',
        to_client: 'ACD',
        status: 'ready',
        inv_dollars: '75',
        submitted_date: '2026-03-01',
      },
    ]);
    gas.run('syncReadyRows');
    const rows = readSheet(gas, 'inv_tbl');
    expect(rows[0]).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'synced', qb_bill_error: '' });
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
});
