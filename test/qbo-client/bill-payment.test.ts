import { afterEach, describe, expect, it } from 'vitest';
import { buildBillPayment } from '../../gateway/src/qbo/bill-payment';
import { markerFor } from '../../gateway/src/qbo/exactly-once/resolve';
import { createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import { type Harness, startHarness } from './helpers';

/**
 * A BillPayment through the ledger: it has no number of ours, so a lost answer is settled by the vendor, the
 * payment date and the ledger marker. The emulator forgets requestids at once here, so a resend that skipped
 * the lookup would pay the bill twice (and QuickBooks would refuse the second as more than the bill owes).
 */

const paidOn = '2026-03-10';

async function billOwing(h: Harness, amount: number) {
  const vendor = h.emulator.entities(h.realm, 'Vendor').find((v) => v.DisplayName === 'Hicks Hardware')!;
  const bill = h.emulator.create(h.realm, 'Bill', {
    VendorRef: { value: vendor.Id },
    TxnDate: '2026-03-01',
    Line: [
      {
        DetailType: 'AccountBasedExpenseLineDetail',
        Amount: amount,
        AccountBasedExpenseLineDetail: { AccountRef: { value: '7' } },
      },
    ],
  });
  return { vendorId: String(vendor.Id), billId: String(bill.Id) };
}

const paymentInput = (key: string, vendorId: string, billId: string, cents: number) => ({
  key,
  entity: 'BillPayment' as const,
  payload: buildBillPayment({ vendorId, billId, amountCents: cents, bankAccountId: '5', txnDate: paidOn }),
  lookup: { marker: { vendorRef: vendorId, txnDate: paidOn } },
});

describe('BillPayment through the exactly-once ledger', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('a payment whose answer is lost after commit is found by vendor, date and marker, not sent again', async () => {
    h = await startHarness({ emulator: { requestIdTtlSeconds: 0 } });
    const { vendorId, billId } = await billOwing(h, 80);
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const outcome = await createOnce(h.client, h.ledger, paymentInput('test:pay:1', vendorId, billId, 8_000));
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    const row = h.ledger.find(h.realm, 'test:pay:1', 'BillPayment')!;
    const payments = h.emulator.entities(h.realm, 'BillPayment');
    expect(payments).toHaveLength(1);
    expect(payments[0]!.PrivateNote).toContain(markerFor(row.requestId));
    expect(row).toMatchObject({ state: 'created', qboId: String(payments[0]!.Id) });
    expect(h.urls.filter((u) => u.includes('/billpayment?'))).toHaveLength(1);
    expect(
      h.urls.filter((u) => u.includes('/query?')).map((u) => new URL(u).searchParams.get('query') ?? ''),
    ).toContainEqual(
      expect.stringContaining(`from BillPayment where VendorRef = '${vendorId}' and TxnDate = '${paidOn}'`),
    );
    // The same key again: nothing is sent.
    await createOnce(h.client, h.ledger, paymentInput('test:pay:1', vendorId, billId, 8_000));
    expect(h.emulator.entities(h.realm, 'BillPayment')).toHaveLength(1);
    expect(h.emulator.entities(h.realm, 'Bill').find((b) => b.Id === billId)!.Balance).toBe(0);
  });

  it('more than the bill owes is rejected with a sentence, and the ledger keeps it rejected', async () => {
    h = await startHarness();
    const { vendorId, billId } = await billOwing(h, 20);
    const outcome = await createOnce(h.client, h.ledger, paymentInput('test:pay:2', vendorId, billId, 2_500));
    expect(outcome).toMatchObject({ state: 'rejected', code: '6000' });
    expect(outcome.state === 'rejected' && outcome.message).toMatch(
      /more than the 20\.00 still open on Bill/,
    );
    expect(h.emulator.entities(h.realm, 'BillPayment')).toHaveLength(0);
    const again = await createOnce(h.client, h.ledger, paymentInput('test:pay:2', vendorId, billId, 2_500));
    expect(again.state).toBe('rejected');
    expect(h.urls.filter((u) => u.includes('/billpayment?'))).toHaveLength(1);
  });
});
