import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import type { CreateInput } from '../../gateway/src/qbo/exactly-once/write-once';
import { type Harness, startHarness } from './helpers';

/**
 * Bill numbers are the vendor's own, so one number can match hundreds of bills across vendors. The lookup
 * that settles an unknown outcome must read every page of `DocNumber IN (…)`; QuickBooks answers 100 rows
 * when MAXRESULTS is left out, and a bill of ours beyond them would read as absent and be sent again.
 */
describe('unknown-outcome lookups read every page', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  function accountId(name: string): string {
    const found = h.emulator.entities(h.realm, 'Account').find((a) => a.Name === name);
    if (!found) throw new Error(`no seeded account ${name}`);
    return String(found.Id);
  }

  const billBody = (vendor: string, account: string, doc: string) => ({
    VendorRef: { value: vendor },
    DocNumber: doc,
    TxnDate: '2024-06-30',
    Line: [
      {
        DetailType: 'AccountBasedExpenseLineDetail',
        Amount: 42,
        AccountBasedExpenseLineDetail: { AccountRef: { value: account } },
      },
    ],
  });

  it('a dropped bill whose number 120 other vendors also use is found by lookup, not sent again', async () => {
    const account = accountId('Utilities');
    for (let i = 0; i < 120; i++) {
      const vendor = h.emulator.create(h.realm, 'Vendor', { DisplayName: `Utility ${i}` });
      h.emulator.create(h.realm, 'Bill', billBody(String(vendor.Id), account, 'INV-7'));
    }
    const ours = String(h.emulator.create(h.realm, 'Vendor', { DisplayName: 'Late Power Co' }).Id);
    const input: CreateInput = {
      key: 'bills:late-power:INV-7',
      entity: 'Bill',
      payload: billBody(ours, account, 'INV-7'),
      lookup: { docNumber: 'INV-7' },
    };
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const [outcome] = await createMany(h.client, h.ledger, [input]);
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    const bills = h.emulator
      .entities(h.realm, 'Bill')
      .filter((b) => (b.VendorRef as { value: string }).value === ours);
    expect(bills).toHaveLength(1);
    expect(outcome?.state === 'created' && outcome.qboId).toBe(String(bills[0]?.Id));
    // Settled by the lookup alone: nothing was sent after the dropped batch.
    expect(h.urls.filter((u) => new URL(u).pathname.endsWith('/bill'))).toEqual([]);
    expect(h.urls.filter((u) => new URL(u).pathname.endsWith('/batch'))).toHaveLength(1);
  });
});
