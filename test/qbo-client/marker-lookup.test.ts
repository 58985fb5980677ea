import { afterEach, describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import type { LedgerEntity } from '../../gateway/src/qbo/exactly-once/ledger';
import { keyMarkFor, markerFor } from '../../gateway/src/qbo/exactly-once/resolve';
import {
  type CreateInput,
  type CreateOutcome,
  createOnce,
} from '../../gateway/src/qbo/exactly-once/write-once';
import { customerId, type Harness, invoicePayload, itemId, startHarness } from './helpers';

/**
 * Transactions without a DocNumber of ours (QuickBooks auto-numbers invoices; a bill without the vendor's
 * number): an unknown outcome is settled by querying the party's transactions of that date and matching the
 * ledger marker in PrivateNote. The emulator forgets requestids at once here, so a resend that skipped the
 * lookup would create a second object instead of being replayed.
 */

const day = '2024-05-31';

function invoiceInput(
  customer: string,
  item: string,
  key: string,
  txnDate = day,
  cents = 10_000,
): CreateInput {
  return {
    key,
    entity: 'Invoice',
    payload: {
      CustomerRef: { value: customer },
      TxnDate: txnDate,
      PrivateNote: `from ${key}`,
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          Amount: cents / 100,
          SalesItemLineDetail: { ItemRef: { value: item } },
        },
      ],
    },
    lookup: { marker: { customerRef: customer, txnDate } },
  };
}

function billInput(vendor: string, account: string, key: string, txnDate = day, cents = 4_200): CreateInput {
  return {
    key,
    entity: 'Bill',
    payload: {
      VendorRef: { value: vendor },
      TxnDate: txnDate,
      Line: [
        {
          DetailType: 'AccountBasedExpenseLineDetail',
          Amount: cents / 100,
          AccountBasedExpenseLineDetail: { AccountRef: { value: account } },
        },
      ],
    },
    lookup: { marker: { vendorRef: vendor, txnDate } },
  };
}

function named(h: Harness, type: 'Vendor' | 'Account', name: string): string {
  const found = h.emulator
    .entities(h.realm, type)
    .find((e) => (type === 'Vendor' ? e.DisplayName : e.Name) === name);
  if (!found) throw new Error(`no seeded ${type} ${name}`);
  return String(found.Id);
}

/** The QuickBooks objects carrying a ledger row's marker: exactly one means created once. */
function carrying(h: Harness, entity: LedgerEntity, requestId: string) {
  return h.emulator
    .entities(h.realm, entity)
    .filter((e) => typeof e.PrivateNote === 'string' && e.PrivateNote.includes(markerFor(requestId)));
}

function creates(h: Harness, path: string): string[] {
  return h.urls.filter((u) => u.includes(`/${path}?`));
}

function queries(h: Harness): string[] {
  return h.urls.filter((u) => u.includes('/query?')).map((u) => new URL(u).searchParams.get('query') ?? '');
}

async function autoNumbering(): Promise<Harness> {
  const h = await startHarness({ emulator: { requestIdTtlSeconds: 0 } });
  h.emulator.setCustomTxnNumbers(false);
  return h;
}

describe('exactly once without a DocNumber of ours (createOnce)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('an auto-numbered invoice whose create is dropped after commit is adopted by customer, date and marker', async () => {
    h = await autoNumbering();
    const customer = customerId(h.emulator, h.realm, "Amy's Bird Sanctuary");
    const input = invoiceInput(customer, itemId(h.emulator, h.realm, 'Services'), 'zimbra:amy:2024-05');
    const before = h.emulator.entities(h.realm, 'Invoice').length;
    h.emulator.faults.nextFaults.push('drop-after-commit');

    const outcome = await createOnce(h.client, h.ledger, input);

    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(before + 1);
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    const row = h.ledger.find(h.realm, 'zimbra:amy:2024-05', 'Invoice')!;
    const [invoice, ...more] = carrying(h, 'Invoice', row.requestId);
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({ state: 'created', qboId: String(invoice?.Id), attempts: 1 });
    // QuickBooks numbered it; the payload's own note is kept ahead of the marker.
    expect(invoice?.DocNumber).toMatch(/^\d+$/);
    expect(invoice?.PrivateNote).toBe(
      `from zimbra:amy:2024-05\n${markerFor(row.requestId)} key ${keyMarkFor(row)}`,
    );
    expect(creates(h, 'invoice')).toHaveLength(1);
    expect(queries(h)).toContain(
      `select * from Invoice where CustomerRef = '${customer}' and TxnDate = '${day}' ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000`,
    );
  });

  it('a bill without the vendor number whose create is dropped after commit is adopted, not sent again', async () => {
    h = await autoNumbering();
    const vendor = named(h, 'Vendor', 'Hicks Hardware');
    const input = billInput(vendor, named(h, 'Account', 'Office Expenses'), 'mis:bill:77');
    h.emulator.faults.nextFaults.push('drop-after-commit');

    const outcome = await createOnce(h.client, h.ledger, input);

    expect(h.emulator.entities(h.realm, 'Bill')).toHaveLength(1);
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    const row = h.ledger.find(h.realm, 'mis:bill:77', 'Bill')!;
    const [bill] = carrying(h, 'Bill', row.requestId);
    expect(bill?.DocNumber).toBeUndefined();
    expect(row).toMatchObject({ state: 'created', qboId: String(bill?.Id) });
    expect(creates(h, 'bill')).toHaveLength(1);
    expect(queries(h)[0]).toContain(`from Bill where VendorRef = '${vendor}' and TxnDate = '${day}'`);
  });

  it('two rows for one customer, date and amount are told apart by their markers; a miss is sent again', async () => {
    h = await autoNumbering();
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const first = invoiceInput(customer, item, 'sheets:s1:4');
    const second = invoiceInput(customer, item, 'sheets:s1:5');

    // The first commits and its answer is lost; the second fails before committing (a 503): the lookup sees
    // the first row's twin invoice and must neither adopt it for the second nor skip the second's resend.
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const a = await createOnce(h.client, h.ledger, first);
    h.emulator.faults.nextFaults.push('503');
    const b = await createOnce(h.client, h.ledger, second);

    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(2);
    expect(a).toMatchObject({ state: 'created', adopted: true });
    expect(b).toMatchObject({ state: 'created', adopted: false });
    for (const input of [first, second]) {
      const row = h.ledger.find(h.realm, input.key, 'Invoice')!;
      const found = carrying(h, 'Invoice', row.requestId);
      expect(found, input.key).toHaveLength(1);
      expect(row.qboId, input.key).toBe(String(found[0]?.Id));
    }
    expect(a.state === 'created' && b.state === 'created' && a.qboId !== b.qboId).toBe(true);
    // The resend after the miss reused the second row's requestid.
    const secondIds = creates(h, 'invoice')
      .slice(1)
      .map((u) => new URL(u).searchParams.get('requestid'));
    expect(secondIds).toEqual([
      h.ledger.find(h.realm, 'sheets:s1:5', 'Invoice')!.requestId,
      h.ledger.find(h.realm, 'sheets:s1:5', 'Invoice')!.requestId,
    ]);
  });
  it('reads past the first 1,000 candidates of a busy customer and day', async () => {
    h = await autoNumbering();
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    for (let i = 0; i < 1_000; i++)
      h.emulator.create(h.realm, 'Invoice', invoiceInput(customer, item, `other:${i}`).payload);
    h.emulator.faults.nextFaults.push('drop-after-commit');

    const outcome = await createOnce(h.client, h.ledger, invoiceInput(customer, item, 'sheets:busy:1'));

    expect(h.emulator.entities(h.realm, 'Invoice').filter((i) => i.TxnDate === day)).toHaveLength(1_001);
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    const pages = queries(h).filter((q) => q.includes('MAXRESULTS'));
    expect(pages).toHaveLength(2);
    expect(pages[1]).toMatch(/ and Id > '\d+' ORDERBY Id /);
  });
});

describe('exactly once without a DocNumber of ours (createMany)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('auto-numbered invoices and number-less bills never go through /batch: each goes alone with its requestid, a dropped one is adopted', async () => {
    h = await autoNumbering();
    const customers = ["Amy's Bird Sanctuary", 'Cool Cars', 'Diego Rodriguez'].map((n) =>
      customerId(h.emulator, h.realm, n),
    );
    const item = itemId(h.emulator, h.realm, 'Hours');
    const vendors = ['Hicks Hardware', 'Books by Bessie'].map((n) => named(h, 'Vendor', n));
    const account = named(h, 'Account', 'Office Expenses');
    // Several rows share customer, date and amount: only their markers tell them apart.
    const inputs: CreateInput[] = Array.from({ length: 12 }, (_, i) =>
      i % 5 === 4
        ? billInput(vendors[i % 2]!, account, `mis:bill:${i}`, i % 2 === 0 ? day : '2024-06-01')
        : invoiceInput(customers[i % 3]!, item, `zimbra:${i}`, i % 2 === 0 ? day : '2024-06-01', 5_000),
    );
    const invoicesBefore = h.emulator.entities(h.realm, 'Invoice').length;
    h.emulator.faults.nextFaults.push('drop-after-commit');

    const outcomes: CreateOutcome[] = await createMany(h.client, h.ledger, inputs);

    expect(outcomes.map((o) => o.state)).toEqual(inputs.map(() => 'created'));
    const bills = inputs.filter((i) => i.entity === 'Bill').length;
    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(invoicesBefore + inputs.length - bills);
    expect(h.emulator.entities(h.realm, 'Bill')).toHaveLength(bills);
    for (const [i, input] of inputs.entries()) {
      const row = h.ledger.find(h.realm, input.key, input.entity)!;
      const found = carrying(h, input.entity, row.requestId);
      expect(found, input.key).toHaveLength(1);
      expect(outcomes[i]).toMatchObject({ state: 'created', qboId: String(found[0]?.Id) });
    }
    // The one dropped create was found by its marker and adopted; nothing went in a batch.
    expect(outcomes.filter((o) => o.state === 'created' && o.adopted)).toHaveLength(1);
    expect(creates(h, 'batch')).toHaveLength(0);
    expect(creates(h, 'invoice').length + creates(h, 'bill').length).toBe(inputs.length);
  });

  it('a batch item answered with a SystemFault (10000) after it committed is looked up and adopted, not resent', async () => {
    h = await autoNumbering();
    h.emulator.setCustomTxnNumbers(true);
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const inputs: CreateInput[] = Array.from({ length: 4 }, (_, i) => ({
      key: `sys:${i}`,
      entity: 'Invoice',
      payload: invoicePayload(customer, item, `SYS-${i}`),
      lookup: { docNumber: `SYS-${i}` },
    }));
    const before = h.emulator.entities(h.realm, 'Invoice').length;
    h.emulator.faults.nextFaults.push('batch-item-system-fault');

    const outcomes = await createMany(h.client, h.ledger, inputs);

    expect(outcomes.map((o) => o.state)).toEqual(inputs.map(() => 'created'));
    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(before + inputs.length);
    for (const input of inputs) {
      const row = h.ledger.find(h.realm, input.key, 'Invoice')!;
      expect(row).toMatchObject({ state: 'created', attempts: 1 });
    }
    expect(outcomes[0]).toMatchObject({ adopted: true });
    expect(creates(h, 'batch')).toHaveLength(1);
    expect(queries(h)).toHaveLength(1);
  });
});
