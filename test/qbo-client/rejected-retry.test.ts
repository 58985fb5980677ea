import { afterEach, describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import type { LedgerRow } from '../../gateway/src/qbo/exactly-once/ledger';
import { findOrCreateName } from '../../gateway/src/qbo/exactly-once/names';
import {
  causeOf,
  lastSendProvablyOver,
  mayRetryNow,
} from '../../gateway/src/qbo/exactly-once/rejected-retry';
import { type CreateInput, createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import { unprotectedHorizonMs } from '../../gateway/src/qbo/limits/send-lease';
import {
  customerId,
  type Harness,
  invoicePayload,
  invoicesWithDocNumber,
  itemId,
  startHarness,
} from './helpers';

/**
 * Issue 13: a rejected row has a retry path. Without any flag it goes again once the cause its rejection
 * names is gone (the number or name freed, the referenced item active again); with `retryRejected` (the
 * flows' `--retry-rejected`) it goes again whatever the cause; either way only once its last send is
 * provably over, and a cause still there is simply rejected again.
 */
describe('retrying rejected rows', () => {
  let h: Harness;
  afterEach(async () => h.close());

  function invoice(key: string, doc: string, item?: string): CreateInput {
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    return {
      key,
      entity: 'Invoice',
      payload: invoicePayload(customer, item ?? itemId(h.emulator, h.realm, 'Hours'), doc),
      lookup: { docNumber: doc },
    };
  }

  /** A line whose Amount is not Qty × UnitPrice: QuickBooks refuses it (6070), and no read can say why. */
  function refusedAmount(input: CreateInput): void {
    const line = (input.payload.Line as Array<Record<string, unknown>>)[0]!;
    line.SalesItemLineDetail = {
      ItemRef: { value: itemId(h.emulator, h.realm, 'Hours') },
      Qty: 3,
      UnitPrice: 7,
    };
  }

  const rowOf = (key: string, entity: LedgerRow['entity'] = 'Invoice') =>
    h.ledger.find(h.realm, key, entity)!;

  /** Waits (on the condition, not a fixed time) until the row's last send can no longer commit. */
  async function untilProvablyOver(key: string, entity: LedgerRow['entity'] = 'Invoice'): Promise<void> {
    const horizon = unprotectedHorizonMs(h.client);
    for (let i = 0; i < 2_000 && !lastSendProvablyOver(rowOf(key, entity), horizon); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(lastSendProvablyOver(rowOf(key, entity), horizon)).toBe(true);
  }

  const creates = () => h.urls.filter((u) => /\/(invoice|batch|customer)\?/.test(u)).length;

  it('a number someone else held is sent again once that transaction is deleted, not before', async () => {
    h = await startHarness();
    const someoneElse = customerId(h.emulator, h.realm, "Amy's Bird Sanctuary");
    const holder = h.emulator.create(h.realm, 'Invoice', {
      ...invoice('x', 'HELD-7').payload,
      CustomerRef: { value: someoneElse },
    });
    const input = invoice('retry:number', 'HELD-7');
    const [first] = await createMany(h.client, h.ledger, [input]);
    expect(first).toMatchObject({ state: 'rejected', code: '6140' });
    expect(causeOf(rowOf(input.key))).toEqual({ kind: 'number' });

    // Still held: the next run looks, sees it held, and sends nothing.
    await untilProvablyOver(input.key);
    const sentBefore = creates();
    expect((await createMany(h.client, h.ledger, [input]))[0]).toMatchObject({ state: 'rejected' });
    expect(creates()).toBe(sentBefore);

    // The user deletes the other invoice: the next run sends ours, with a new requestid.
    const oldRequestId = rowOf(input.key).requestId;
    expect(h.emulator.remove(h.realm, 'Invoice', String(holder.Id))).toBe(true);
    const [after] = await createMany(h.client, h.ledger, [input]);
    expect(after).toMatchObject({ state: 'created', adopted: false });
    expect(rowOf(input.key).requestId).not.toBe(oldRequestId);
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'HELD-7')).toBe(1);
  });

  it('an invoice refused for an inactive item goes again when the item is active again', async () => {
    h = await startHarness();
    const retired = h.emulator.create(h.realm, 'Item', {
      Name: 'Retired service',
      Type: 'Service',
      IncomeAccountRef: { value: '1' },
      Active: false,
    });
    const input = invoice('retry:item', 'ITEM-1', String(retired.Id));
    const [first] = await createOnce(h.client, h.ledger, input).then((o) => [o]);
    expect(first).toMatchObject({ state: 'rejected', code: '2500' });
    expect(causeOf(rowOf(input.key))).toEqual({
      kind: 'reference',
      refs: [{ entity: 'Item', id: String(retired.Id) }],
    });
    await untilProvablyOver(input.key);
    expect(await createOnce(h.client, h.ledger, input)).toMatchObject({ state: 'rejected' });

    await h.client.call(
      {
        method: 'POST',
        path: '/item',
        body: { Id: retired.Id, SyncToken: retired.SyncToken, sparse: true, Active: true },
        operation: 'update Item',
      },
      'write',
    );
    expect(await createOnce(h.client, h.ledger, input)).toMatchObject({ state: 'created' });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'ITEM-1')).toBe(1);
  });

  it('a customer name a vendor held is created once the vendor is gone', async () => {
    h = await startHarness();
    const vendor = h.emulator.create(h.realm, 'Vendor', { DisplayName: 'Shared Name Ltd' });
    const input: CreateInput = {
      key: 'retry:name',
      entity: 'Customer',
      payload: { DisplayName: 'Shared Name Ltd' },
      lookup: { displayName: 'Shared Name Ltd' },
    };
    expect(await createOnce(h.client, h.ledger, input)).toMatchObject({ state: 'rejected', code: '6240' });
    await untilProvablyOver(input.key, 'Customer');
    h.emulator.remove(h.realm, 'Vendor', String(vendor.Id));

    const created = await findOrCreateName(h.client, h.ledger, {
      entity: 'Customer',
      displayName: 'Shared Name Ltd',
      key: input.key,
    });
    expect(created.created).toBe(true);
    const customers = h.emulator
      .entities(h.realm, 'Customer')
      .filter((c) => c.DisplayName === 'Shared Name Ltd');
    expect(customers.map((c) => String(c.Id))).toEqual([created.id]);
  });

  it('a cause no read can see (an amount QuickBooks refuses) goes again only when asked, and is refused again', async () => {
    h = await startHarness();
    const input = invoice('retry:amount', 'AMT-1');
    refusedAmount(input);
    expect(await createOnce(h.client, h.ledger, input)).toMatchObject({ state: 'rejected', code: '6070' });
    expect(causeOf(rowOf(input.key))).toBeUndefined();
    // QuickBooks answered the send: it is over, so a retry may go at once.

    const before = creates();
    await createMany(h.client, h.ledger, [input]);
    expect(creates()).toBe(before);

    const firstRequestId = rowOf(input.key).requestId;
    const [again] = await createMany(h.client, h.ledger, [input], { retryRejected: true });
    expect(again).toMatchObject({ state: 'rejected', code: '6070' });
    expect(creates()).toBe(before + 1);
    expect(rowOf(input.key).requestId).not.toBe(firstRequestId);
  });

  it("a row rejected on a lookup's word is not retried before its lost send is provably over", async () => {
    // A minute of visibility margin: the lost send stays "maybe still landing" for the whole test.
    h = await startHarness({ client: { visibilityMarginMs: 60_000 } });
    const someoneElse = customerId(h.emulator, h.realm, "Amy's Bird Sanctuary");
    h.emulator.create(h.realm, 'Invoice', {
      ...invoice('x', 'SOON-1').payload,
      CustomerRef: { value: someoneElse },
    });
    const input = invoice('retry:soon', 'SOON-1');
    // The batch is answered 500 (its fate unknown); the lookup finds the number held by another invoice.
    h.emulator.faults.nextFaults.push('500');
    expect(await createMany(h.client, h.ledger, [input])).toMatchObject([
      { state: 'rejected', code: '6140' },
    ]);
    expect(rowOf(input.key).error).toMatchObject({ afterLookup: true });
    const before = creates();
    const requestId = rowOf(input.key).requestId;

    expect(await createOnce(h.client, h.ledger, input, { retryRejected: true })).toMatchObject({
      state: 'rejected',
    });
    expect(await createMany(h.client, h.ledger, [input], { retryRejected: true })).toMatchObject([
      { state: 'rejected' },
    ]);
    expect(creates()).toBe(before);
    expect(rowOf(input.key).requestId).toBe(requestId);
  });
});

describe('which rejections can be checked, and when a rejected row may go again (pure rules)', () => {
  const row = (over: Partial<LedgerRow>): LedgerRow =>
    ({
      state: 'rejected',
      lookup: { docNumber: 'INV-1' },
      payload: {},
      error: null,
      sentAt: null,
      unprotectedAt: null,
      ...over,
    }) as LedgerRow;
  const faults = (...errors: Array<{ code: string; element?: string }>) => ({ errors });

  it('a send is over only once the whole horizon has passed since the later of its two send times', () => {
    const t = Date.parse('2026-12-01T00:00:00Z');
    const sent = { sentAt: new Date(t).toISOString(), unprotectedAt: null };
    expect(lastSendProvablyOver(sent, 1000, t + 999)).toBe(false);
    expect(lastSendProvablyOver(sent, 1000, t + 1000)).toBe(true);
    const batched = { sentAt: new Date(t).toISOString(), unprotectedAt: new Date(t + 500).toISOString() };
    expect(lastSendProvablyOver(batched, 1000, t + 1000)).toBe(false);
    expect(lastSendProvablyOver(batched, 1000, t + 1500)).toBe(true);
    expect(lastSendProvablyOver({ sentAt: null, unprotectedAt: null }, 1000, t)).toBe(true);
    // Refused in QuickBooks' own answer: nothing of that send can still commit, so it may go at once.
    expect(mayRetryNow(row({ ...sent, error: { afterLookup: false } }), 10_000_000)).toBe(true);
    expect(mayRetryNow(row({ sentAt: new Date().toISOString(), error: { afterLookup: true } }), 60_000)).toBe(
      false,
    );
  });

  it('names the cause only for one 6140 on a number, one 6240 on a name, or one 2500 on a reference we sent', () => {
    expect(causeOf(row({ error: faults({ code: '6140' }) }))).toEqual({ kind: 'number' });
    expect(causeOf(row({ lookup: { displayName: 'Cool Cars' }, error: faults({ code: '6140' }) }))).toBe(
      undefined,
    );
    expect(causeOf(row({ lookup: { displayName: 'Cool Cars' }, error: faults({ code: '6240' }) }))).toEqual({
      kind: 'name',
    });
    expect(causeOf(row({ error: faults({ code: '6140' }, { code: '6070' }) }))).toBe(undefined);
    expect(causeOf(row({ error: faults({ code: '6070' }) }))).toBe(undefined);
    const lines = {
      Line: [
        { SalesItemLineDetail: { ItemRef: { value: '5' } } },
        { SalesItemLineDetail: { ItemRef: { value: '5' } } },
        { SalesItemLineDetail: { ItemRef: { value: 7 } } },
      ],
      ClassRef: { value: '3' },
    };
    expect(
      causeOf(
        row({
          payload: lines,
          error: faults({ code: '2500', element: 'Line[1].SalesItemLineDetail.ItemRef' }),
        }),
      ),
    ).toEqual({
      kind: 'reference',
      refs: [
        { entity: 'Item', id: '5' },
        { entity: 'Item', id: '7' },
      ],
    });
    // A reference we cannot read back (ClassRef), or one the payload does not carry, is not checkable.
    expect(causeOf(row({ payload: lines, error: faults({ code: '2500', element: 'ClassRef' }) }))).toBe(
      undefined,
    );
    expect(causeOf(row({ payload: lines, error: faults({ code: '2500', element: 'CustomerRef' }) }))).toBe(
      undefined,
    );
  });
});
