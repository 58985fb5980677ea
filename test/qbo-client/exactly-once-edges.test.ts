import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMany, resumeUnfinished } from '../../gateway/src/qbo/exactly-once/batch';
import { withMarker } from '../../gateway/src/qbo/exactly-once/resolve';
import { createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import {
  customerId,
  type Harness,
  invoicePayload,
  invoicesWithDocNumber,
  itemId,
  startHarness,
} from './helpers';

/** Ages a row's send past any lease, as if the process that sent it had died long ago. */
function ageSend(h: Harness, id: number): void {
  const past = new Date(Date.now() - 10 * 60_000).toISOString();
  h.ctx.db.prepare('UPDATE qbo_ledger SET sent_at = ? WHERE id = ?').run(past, id);
}

describe('an object carrying another row’s marker is never ours', () => {
  let h: Harness;
  let customer: string;
  let item: string;
  beforeEach(async () => {
    h = await startHarness();
    customer = customerId(h.emulator, h.realm, 'Cool Cars');
    item = itemId(h.emulator, h.realm, 'Hours');
  });
  afterEach(async () => h.close());

  const input = (key: string, doc: string) => ({
    key,
    entity: 'Invoice' as const,
    payload: invoicePayload(customer, item, doc),
    lookup: { docNumber: doc },
  });

  it('a second key with the same number, customer and total is rejected (6140), not adopted', async () => {
    const first = await createOnce(h.client, h.ledger, input('k1', 'D-1'));
    expect(first).toMatchObject({ state: 'created', adopted: false });
    const second = await createOnce(h.client, h.ledger, input('k2', 'D-1'));
    expect(second).toMatchObject({ state: 'rejected', code: '6140' });
    expect(second.state === 'rejected' && second.message).toMatch(/D-1 is already used by Invoice/);

    const batch = await createMany(h.client, h.ledger, [input('k3', 'D-2'), input('k4', 'D-2')]);
    expect(batch.map((o) => o.state).sort()).toEqual(['created', 'rejected']);
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'D-2')).toBe(1);
  });

  it('a lookup by DocNumber for an unknown row does not adopt another row’s object', async () => {
    await createOnce(h.client, h.ledger, input('k1', 'D-3'));
    const row = h.ledger.plan({ ...input('k2', 'D-3'), realm: h.realm });
    h.ledger.markSent([row.id], 'crashed-run');
    ageSend(h, row.id);
    const outcome = await createOnce(h.client, h.ledger, input('k2', 'D-3'));
    expect(outcome).toMatchObject({ state: 'rejected', code: '6140' });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'D-3')).toBe(1);
  });

  it('an object without any marker (a person removed it) and with our number, customer and total is adopted', async () => {
    const made = h.emulator.create(h.realm, 'Invoice', {
      ...invoicePayload(customer, item, 'D-4'),
      PrivateNote: 'typed by a person',
    });
    const outcome = await createOnce(h.client, h.ledger, input('k5', 'D-4'));
    expect(outcome).toMatchObject({ state: 'created', adopted: true, qboId: String(made.Id) });
  });
});

describe('createOnce when QuickBooks cannot be reached to settle a row', () => {
  let h: Harness;
  let customer: string;
  let item: string;
  /** Requests whose URL matches are answered 503 (QuickBooks down) before they reach the emulator. */
  let unreachable: RegExp | undefined;
  beforeEach(async () => {
    unreachable = undefined;
    const failing: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (unreachable?.test(url)) return Promise.resolve(new Response('down', { status: 503 }));
      return fetch(input, init);
    };
    h = await startHarness({ client: { fetch: failing } });
    customer = customerId(h.emulator, h.realm, 'Cool Cars');
    item = itemId(h.emulator, h.realm, 'Hours');
  });
  afterEach(async () => h.close());

  const input = (doc: string) => ({
    key: `u:${doc}`,
    entity: 'Invoice' as const,
    payload: invoicePayload(customer, item, doc),
    lookup: { docNumber: doc },
  });

  it('a dropped create whose lookup fails is pending (not a thrown error); the next run adopts it', async () => {
    h.emulator.faults.nextFaults.push('drop-after-commit');
    unreachable = /\/query/;
    const first = await createOnce(h.client, h.ledger, input('U-1'));
    expect(first).toMatchObject({ state: 'pending' });
    expect(first.state === 'pending' && first.message).toMatch(/could not be reached to check/);
    expect(h.ledger.find(h.realm, 'u:U-1', 'Invoice')!.state).toBe('unknown');
    unreachable = undefined;
    expect(await createOnce(h.client, h.ledger, input('U-1'))).toMatchObject({
      state: 'created',
      adopted: true,
    });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'U-1')).toBe(1);
  });

  it('a 6140 whose follow-up read fails is pending and free to resend; the next run rejects it', async () => {
    h.emulator.create(h.realm, 'Invoice', invoicePayload(customer, item, 'U-2', 5_000));
    unreachable = /\/invoice\/\d+/;
    const first = await createOnce(h.client, h.ledger, input('U-2'));
    expect(first).toMatchObject({ state: 'pending' });
    expect(first.state === 'pending' && first.message).toMatch(/who holds number U-2/);
    // Not left "sent" (blocked for a lease): a 6140 proves this request created nothing.
    expect(h.ledger.find(h.realm, 'u:U-2', 'Invoice')!.state).toBe('planned');
    unreachable = undefined;
    expect(await createOnce(h.client, h.ledger, input('U-2'))).toMatchObject({
      state: 'rejected',
      code: '6140',
    });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'U-2')).toBe(1);
  });
});

describe('a batch answer with a system fault and a 6140 whose read fails', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('leaves no row "sent" for a lease: the next run settles every item at once', async () => {
    h = await startHarness();
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    h.emulator.create(h.realm, 'Invoice', invoicePayload(customer, item, 'T-1'));
    // The first item commits but is answered with a SystemFault; the second clashes (6140) and the read
    // of the clashing invoice, and whatever follows, finds QuickBooks down.
    h.emulator.faults.nextFaults.push('batch-item-system-fault', ...Array<'503'>(12).fill('503'));
    const inputs = [
      {
        key: 'a',
        entity: 'Invoice' as const,
        payload: invoicePayload(customer, item, 'S-1'),
        lookup: { docNumber: 'S-1' },
      },
      {
        key: 'b',
        entity: 'Invoice' as const,
        payload: invoicePayload(customer, item, 'T-1', 5_000),
        lookup: { docNumber: 'T-1' },
      },
    ];
    await createMany(h.client, h.ledger, inputs).catch(() => undefined);
    for (const key of ['a', 'b']) expect(h.ledger.find(h.realm, key, 'Invoice')!.state).not.toBe('sent');
    h.emulator.faults.nextFaults.length = 0;
    const again = await createMany(h.client, h.ledger, inputs);
    expect(again.map((o) => o.state)).toEqual(['created', 'rejected']);
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'S-1')).toBe(1);
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'T-1')).toBe(1);
  });
});

describe('createMany in slices reports every ledger row, and its final state', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('one key with a Customer and a Vendor gets both callbacks', async () => {
    h = await startHarness();
    const seen: string[] = [];
    const outcomes = await createMany(
      h.client,
      h.ledger,
      [
        {
          key: 'row:1',
          entity: 'Customer',
          payload: { DisplayName: 'Zed Alpha' },
          lookup: { displayName: 'Zed Alpha' },
        },
        {
          key: 'row:1',
          entity: 'Vendor',
          payload: { DisplayName: 'Zed Beta' },
          lookup: { displayName: 'Zed Beta' },
        },
      ],
      { sliceSize: 1, onSettled: (o) => seen.push(`${o.key}:${o.state}:${o.ledgerId}`) },
    );
    expect(outcomes.map((o) => o.state)).toEqual(['created', 'created']);
    expect(seen).toEqual(outcomes.map((o) => `row:1:created:${o.ledgerId}`));
  });

  it('a row left pending by one slice and created by a later one is reported pending, then created', async () => {
    h = await startHarness();
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const input = {
      key: 'again',
      entity: 'Invoice' as const,
      payload: invoicePayload(customer, item, 'AG-1'),
      lookup: { docNumber: 'AG-1' },
    };
    // The first slice's only send fails before commit; with one round it leaves the row for later.
    h.emulator.faults.nextFaults.push('503');
    const seen: string[] = [];
    const outcomes = await createMany(h.client, h.ledger, [input, input], {
      sliceSize: 1,
      maxRounds: 1,
      onSettled: (o) => seen.push(o.state),
    });
    // The last pass over every input settles what the slices left open; both positions are that one row.
    expect(outcomes.map((o) => o.state)).toEqual(['created', 'created']);
    expect(seen).toEqual(['pending', 'created']);
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'AG-1')).toBe(1);
  });
});

describe('a batch refused as a whole goes item by item, but not after another worker failed the run', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('stops its one-by-one creates once the run has failed: the rest stay planned', async () => {
    let batches = 0;
    let failedAt: number | undefined;
    const singlesAfterFailure: string[] = [];
    const scripted: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/batch?') && ++batches === 1) {
        // The first batch is refused as a whole (nothing ran): its items go one by one.
        const fault = {
          Fault: {
            Error: [{ Message: 'Request has invalid property', Detail: 'bad', code: '2010' }],
            type: 'ValidationFault',
          },
        };
        return new Response(JSON.stringify(fault), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      }
      if (/\/invoice\/\d+\?/.test(url)) {
        // The 6140 read in the second batch fails for good: the run stops.
        failedAt = Date.now();
        return new Response('{"Fault":{"Error":[{"Message":"x","code":"10"}],"type":"ValidationFault"}}', {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      }
      if (/\/invoice\?/.test(url) && init?.method === 'POST') {
        if (failedAt !== undefined) singlesAfterFailure.push(url);
        // One-by-one creates are slow enough for the other worker's failure to land among them.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return fetch(input, init);
    };
    h = await startHarness({
      client: { fetch: scripted, limiterOptions: { limits: { maxConcurrent: 2 } } },
    });
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const other = customerId(h.emulator, h.realm, 'Diego Rodriguez');
    const item = itemId(h.emulator, h.realm, 'Hours');
    h.emulator.create(h.realm, 'Invoice', invoicePayload(other, item, 'W-30', 999));
    const inputs = Array.from({ length: 60 }, (_, i) => ({
      key: `w:${i}`,
      entity: 'Invoice' as const,
      payload: invoicePayload(customer, item, `W-${i}`),
      lookup: { docNumber: `W-${i}` },
    }));
    const failure = await createMany(h.client, h.ledger, inputs).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failedAt).toBeDefined();
    // At most the create already under way when the run failed; the rest of the first batch waits.
    expect(singlesAfterFailure.length).toBeLessThanOrEqual(1);
    expect(h.ledger.countByState(h.realm).planned).toBeGreaterThan(20);
  });
});

describe('a row that may have been sent before is resent alone with its requestid, never batched', () => {
  let h: Harness;
  afterEach(async () => h.close());
  const day = '2024-05-31';

  const markerInvoice = (customer: string, item: string, key: string) => ({
    key,
    entity: 'Invoice' as const,
    payload: {
      CustomerRef: { value: customer },
      TxnDate: day,
      PrivateNote: 'Customer PO 123',
      Line: [
        { DetailType: 'SalesItemLineDetail', Amount: 25, SalesItemLineDetail: { ItemRef: { value: item } } },
      ],
    },
    lookup: { marker: { customerRef: customer, txnDate: day } },
  });

  /** A person tidies every invoice's note, removing the qb-bridge marker: lookups can no longer find them. */
  const tidyNotes = (emulator: Harness['emulator'], realm: string) => {
    for (const invoice of emulator.entities(realm, 'Invoice')) invoice.PrivateNote = 'Customer PO 123';
  };

  it('resumeUnfinished: a crashed single create whose marker was removed is replayed, not created twice', async () => {
    h = await startHarness();
    h.emulator.setCustomTxnNumbers(false);
    const input = markerInvoice(
      customerId(h.emulator, h.realm, 'Cool Cars'),
      itemId(h.emulator, h.realm, 'Hours'),
      'm1',
    );
    const row = h.ledger.plan({ ...input, realm: h.realm });
    h.ledger.markSent([row.id], 'crashed-process');
    // The crashed run's single create did commit, then a person removed the marker from the note.
    const made = await h.client.create('Invoice', withMarker(row), row.requestId);
    tidyNotes(h.emulator, h.realm);
    ageSend(h, row.id);

    const outcomes = await resumeUnfinished(h.client, h.ledger);
    expect(outcomes).toMatchObject([{ state: 'created', qboId: String(made.Id) }]);
    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(1);
  });

  it('items QuickBooks throttled (nothing ran) are still first attempts: the next round batches them', async () => {
    const urls: string[] = [];
    let throttleNext = true;
    const throttling: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      urls.push(url);
      if (url.includes('/batch?') && throttleNext) {
        throttleNext = false;
        const body = JSON.parse(String(init?.body)) as { BatchItemRequest: Array<{ bId: string }> };
        const fault = { Error: [{ Message: 'ThrottleExceeded', Detail: 'slow down', code: '3001' }] };
        const answer = { BatchItemResponse: body.BatchItemRequest.map(({ bId }) => ({ bId, Fault: fault })) };
        return new Response(JSON.stringify(answer), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    h = await startHarness({ client: { fetch: throttling } });
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const inputs = Array.from({ length: 30 }, (_, i) => ({
      key: `thr:${i}`,
      entity: 'Invoice' as const,
      payload: invoicePayload(customer, item, `TH-${i}`),
      lookup: { docNumber: `TH-${i}` },
    }));
    const outcomes = await createMany(h.client, h.ledger, inputs);
    expect(outcomes.every((o) => o.state === 'created')).toBe(true);
    expect(urls.map((u) => new URL(u).pathname.split('/').pop())).toEqual(['batch', 'batch']);
    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(30);
  });

  it('createMany: the resend after a lookup that found nothing goes alone with the requestid', async () => {
    let tidyOnDrop = false;
    const urls: string[] = [];
    const tidying: typeof fetch = async (input, init) => {
      urls.push(String(input instanceof Request ? input.url : input));
      try {
        return await fetch(input, init);
      } catch (error) {
        // The connection dropped after the commit; by the time we look, the marker is gone.
        if (tidyOnDrop) tidyNotes(h.emulator, h.realm);
        throw error;
      }
    };
    h = await startHarness({ client: { fetch: tidying } });
    h.emulator.setCustomTxnNumbers(false);
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const inputs = [markerInvoice(customer, item, 'r1'), markerInvoice(customer, item, 'r2')];
    tidyOnDrop = true;
    // The first send fails before anything runs; the resend commits but its answer is lost.
    h.emulator.faults.nextFaults.push('503', 'drop-after-commit');
    const outcomes = await createMany(h.client, h.ledger, inputs);
    expect(outcomes.map((o) => o.state)).toEqual(['created', 'created']);
    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(2);
    const paths = urls.map((u) => new URL(u).pathname.split('/').pop());
    // Rows QuickBooks numbers never go through /batch (no requestid there): every send carries one.
    expect(paths.filter((p) => p === 'batch')).toHaveLength(0);
    for (const outcome of outcomes) {
      const { requestId } = h.ledger.get(outcome.ledgerId);
      expect(urls.some((u) => new URL(u).searchParams.get('requestid') === requestId)).toBe(true);
    }
  });
});
