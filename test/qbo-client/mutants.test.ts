import { afterEach, describe, expect, it } from 'vitest';
import { keyMarkFor, markerFor, withMarker } from '../../gateway/src/qbo/exactly-once/resolve';
import { type CreateInput, createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import { QboError } from '../../gateway/src/qbo/http/errors';
import { decideRetry, defaultRetryPolicy } from '../../gateway/src/qbo/http/retry';
import { customerId, type Harness, invoicePayload, itemId, startHarness } from './helpers';

/**
 * Issue 15, items 18, 19 and 23: one-line changes to the money path that no test noticed. Each test here
 * fails on that mutant (named in the test) and passes on the code as written.
 */

function named(h: Harness, type: 'Vendor' | 'Account', name: string): string {
  const found = h.emulator
    .entities(h.realm, type)
    .find((e) => (type === 'Vendor' ? e.DisplayName : e.Name) === name);
  if (!found) throw new Error(`no seeded ${type} ${name}`);
  return String(found.Id);
}

function bill(vendor: string, account: string, number: string, cents: number): Record<string, unknown> {
  return {
    VendorRef: { value: vendor },
    DocNumber: number,
    TxnDate: '2024-05-31',
    Line: [
      {
        DetailType: 'AccountBasedExpenseLineDetail',
        Amount: cents / 100,
        AccountBasedExpenseLineDetail: { AccountRef: { value: account } },
      },
    ],
  };
}

describe('mutants of the money path that used to survive', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('write-once.ts without replacePayload: a crashed-then-edited row is resent with the NEW amount', async () => {
    h = await startHarness();
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const input: CreateInput = {
      key: 'mutant:edited',
      entity: 'Invoice',
      payload: invoicePayload(customer, item, 'EDITED-1', 10_000),
      lookup: { docNumber: 'EDITED-1' },
    };
    // A run sent it at 100.00 and crashed before any answer; nothing reached QuickBooks.
    const row = h.ledger.plan({ ...input, realm: h.realm });
    h.ledger.markSent([row.id], 'crashed-run');
    h.ledger.markUnknown([row.id], { message: 'crashed' }, 'crashed-run');
    // The user corrects the amount to 999.00 and runs again.
    const edited = { ...input, payload: invoicePayload(customer, item, 'EDITED-1', 99_900) };
    const outcome = await createOnce(h.client, h.ledger, edited);
    expect(outcome).toMatchObject({ state: 'created', adopted: false });
    const created = h.emulator.entities(h.realm, 'Invoice').find((i) => i.DocNumber === 'EDITED-1');
    expect(created?.TotalAmt).toBe(999);
    expect(h.ledger.get(row.id).payloadHash).not.toBe(row.payloadHash);
  });

  it("resolve.ts clash check without the vendor: another vendor's bill with our number does not make ours rejected", async () => {
    h = await startHarness();
    const ours = named(h, 'Vendor', 'Hicks Hardware');
    const theirs = named(h, 'Vendor', 'Books by Bessie');
    const account = named(h, 'Account', 'Office Expenses');
    // Bill numbers are the vendors' own: another vendor's bill 77 is no clash with ours.
    h.emulator.create(h.realm, 'Bill', bill(theirs, account, '77', 1_500));
    // Our first send of bill 77 fails before it runs (503): unknown, looked up by number, then resent.
    h.emulator.faults.nextFaults.push('503');
    const outcome = await createOnce(h.client, h.ledger, {
      key: 'mutant:bill-77',
      entity: 'Bill',
      payload: bill(ours, account, '77', 4_200),
      lookup: { docNumber: '77' },
    });
    expect(outcome).toMatchObject({ state: 'created', adopted: false });
    const bills = h.emulator.entities(h.realm, 'Bill').filter((b) => b.DocNumber === '77');
    expect(bills.map((b) => (b.VendorRef as { value: string }).value).sort()).toEqual([ours, theirs].sort());
  });
});

describe('pure mutants', () => {
  it('resolve.ts withMarker: a note plus the marker never exceeds QuickBooks’ 4,000 characters', () => {
    const requestId = 'f'.repeat(32);
    for (const length of [3_900, 3_950, 3_960, 4_000, 5_000]) {
      const row = { entity: 'Invoice' as const, key: 'sheets:s:1', requestId };
      const body = withMarker({ ...row, payload: { PrivateNote: 'n'.repeat(length) } });
      const note = String(body.PrivateNote);
      expect(note.length, `note of ${length}`).toBeLessThanOrEqual(4_000);
      expect(note.endsWith(`${markerFor(requestId)} key ${keyMarkFor(row)}`)).toBe(true);
    }
    // The longest note is cut to fill the field exactly: not one character more, none wasted.
    const full = String(
      withMarker({ entity: 'Bill', key: 'b:1', requestId, payload: { PrivateNote: 'x'.repeat(5_000) } })
        .PrivateNote,
    );
    expect(full).toHaveLength(4_000);
  });

  it('retry.ts: a throttled call waits at most maxThrottleWaits times, then fails', () => {
    const policy = { ...defaultRetryPolicy, maxThrottleWaits: 3, timeScale: 1 };
    const throttled = new QboError({ status: 429 });
    const after = (throttles: number) =>
      decideRetry(throttled, { kind: 'read', failures: 0, throttles, refreshed: false }, policy, () => 0)
        .action;
    expect([0, 1, 2].map(after)).toEqual(['throttle', 'throttle', 'throttle']);
    expect(after(3)).toBe('fail');
  });
});
