import { afterEach, describe, expect, it } from 'vitest';
import { createMany, resumeUnfinished } from '../../gateway/src/qbo/exactly-once/batch';
import type { CreateInput, CreateOutcome } from '../../gateway/src/qbo/exactly-once/write-once';
import { virtualClock } from '../helpers/virtual-clock';
import { customerId, type Harness, invoicePayload, itemId, startHarness } from './helpers';

function invoices(h: Harness, prefix: string, n: number): CreateInput[] {
  const customer = customerId(h.emulator, h.realm, 'Cool Cars');
  const item = itemId(h.emulator, h.realm, 'Hours');
  return Array.from({ length: n }, (_, i) => {
    const doc = `${prefix}-${i}`;
    return {
      key: `bench:${doc}`,
      entity: 'Invoice',
      payload: invoicePayload(customer, item, doc, 1_000 + i),
      lookup: { docNumber: doc },
    };
  });
}

function duplicates(h: Harness): number {
  const docs = h.emulator.entities(h.realm, 'Invoice').map((i) => String(i.DocNumber));
  return docs.length - new Set(docs).size;
}

const count = (outcomes: CreateOutcome[], state: CreateOutcome['state']) =>
  outcomes.filter((o) => o.state === state).length;

describe('batch writer against the emulator', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('packs up to 30 per /batch call and maps shuffled answers back by bId', async () => {
    h = await startHarness({ emulator: { shuffleBatch: true } });
    const inputs = invoices(h, 'B', 75);
    const settled: string[] = [];
    const outcomes = await createMany(h.client, h.ledger, inputs, { onSettled: (o) => settled.push(o.key) });
    expect(count(outcomes, 'created')).toBe(75);
    expect(settled).toHaveLength(75);
    expect(h.urls.filter((u) => u.includes('/batch?'))).toHaveLength(3);
    // Each ledger row's QBO Id is the invoice with that row's DocNumber (bId mapping survived the shuffle).
    for (const [i, outcome] of outcomes.entries()) {
      const invoice = h.emulator
        .entities(h.realm, 'Invoice')
        .find((x) => x.Id === (outcome.state === 'created' ? outcome.qboId : ''));
      expect(invoice?.DocNumber).toBe(`B-${i}`);
    }
    expect(duplicates(h)).toBe(0);
  });

  it('the same key twice in one call is sent once and both positions get its outcome', async () => {
    h = await startHarness();
    const [one] = invoices(h, 'TWICE', 1);
    const outcomes = await createMany(h.client, h.ledger, [one!, one!]);
    expect(outcomes.map((o) => o.state)).toEqual(['created', 'created']);
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(h.emulator.entities(h.realm, 'Invoice').filter((i) => i.DocNumber === 'TWICE-0')).toHaveLength(1);
  });

  it('works through large inputs in slices: every item once, a key repeated across slices created and reported once', async () => {
    h = await startHarness();
    const inputs = invoices(h, 'SL', 70);
    const withRepeat = [...inputs, inputs[3]!];
    const settled: string[] = [];
    const outcomes = await createMany(h.client, h.ledger, withRepeat, {
      sliceSize: 30,
      onSettled: (o) => settled.push(o.key),
    });
    expect(outcomes).toHaveLength(71);
    expect(count(outcomes, 'created')).toBe(71);
    expect(outcomes[70]).toEqual(outcomes[3]);
    expect(settled).toHaveLength(70);
    expect(new Set(settled).size).toBe(70);
    expect(
      h.emulator.entities(h.realm, 'Invoice').filter((i) => String(i.DocNumber).startsWith('SL-')),
    ).toHaveLength(70);
    expect(duplicates(h)).toBe(0);
  });

  it('a batch whose answer is dropped after commit is settled by lookup with no duplicates and nothing resent', async () => {
    h = await startHarness();
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const outcomes = await createMany(h.client, h.ledger, invoices(h, 'D', 40));
    expect(count(outcomes, 'created')).toBe(40);
    expect(duplicates(h)).toBe(0);
    expect(
      h.emulator.entities(h.realm, 'Invoice').filter((i) => String(i.DocNumber).startsWith('D-')),
    ).toHaveLength(40);
    expect(h.urls.filter((u) => u.includes('/batch?'))).toHaveLength(2);
    expect(outcomes.filter((o) => o.state === 'created' && o.adopted).length).toBeGreaterThan(0);
  });

  it('a 429 storm (emulator limits far below what the client assumes) ends with every item created', async () => {
    h = await startHarness({
      emulator: { limits: { batchPerMinute: 2, perSecond: 3 } },
      client: { limiterOptions: { limits: { batchesPerMinute: 40 } } },
    });
    const outcomes = await createMany(h.client, h.ledger, invoices(h, 'T', 150));
    expect(h.client.stats.throttled).toBeGreaterThan(0);
    expect(h.emulator.stats().throttled).toBeGreaterThan(0);
    expect(count(outcomes, 'created')).toBe(150);
    expect(count(outcomes, 'rejected') + count(outcomes, 'pending')).toBe(0);
    expect(duplicates(h)).toBe(0);
  });

  it('mixed faults are handled item by item: rejections carry sentences, the rest are created', async () => {
    h = await startHarness();
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const other = customerId(h.emulator, h.realm, 'Diego Rodriguez');
    const item = itemId(h.emulator, h.realm, 'Hours');
    h.emulator.create(h.realm, 'Invoice', invoicePayload(other, item, 'M-TAKEN', 999));
    const good = invoices(h, 'M', 5);
    const inputs: CreateInput[] = [
      ...good,
      {
        key: 'm:unknown-item',
        entity: 'Invoice',
        payload: invoicePayload(customer, '987654', 'M-BADREF'),
        lookup: { docNumber: 'M-BADREF' },
      },
      {
        key: 'm:amount',
        entity: 'Invoice',
        payload: {
          CustomerRef: { value: customer },
          DocNumber: 'M-AMOUNT',
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 10,
              SalesItemLineDetail: { ItemRef: { value: item }, Qty: 3, UnitPrice: 3 },
            },
          ],
        },
        lookup: { docNumber: 'M-AMOUNT' },
      },
      {
        key: 'm:long',
        entity: 'Invoice',
        payload: invoicePayload(customer, item, 'M-THIS-NUMBER-IS-TOO-LONG'),
        lookup: { docNumber: 'M-THIS-NUMBER-IS-TOO-LONG' },
      },
      {
        key: 'm:taken',
        entity: 'Invoice',
        payload: invoicePayload(customer, item, 'M-TAKEN'),
        lookup: { docNumber: 'M-TAKEN' },
      },
    ];
    const outcomes = await createMany(h.client, h.ledger, inputs);
    const byKey = new Map(outcomes.map((o) => [o.key, o]));
    expect(count(outcomes, 'created')).toBe(5);
    expect(byKey.get('m:unknown-item')).toMatchObject({ state: 'rejected', code: '2500' });
    expect(byKey.get('m:amount')).toMatchObject({ state: 'rejected', code: '6070' });
    expect(byKey.get('m:long')).toMatchObject({ state: 'rejected', code: '2050' });
    expect(byKey.get('m:taken')).toMatchObject({ state: 'rejected', code: '6140' });
    for (const key of ['m:unknown-item', 'm:amount', 'm:long', 'm:taken']) {
      const outcome = byKey.get(key)!;
      expect(outcome.state === 'rejected' && outcome.message, key).toMatch(/;/);
    }
    expect(
      byKey.get('m:taken')?.state === 'rejected' && (byKey.get('m:taken') as { message: string }).message,
    ).toMatch(/M-TAKEN is already used by Invoice/);
  });

  it('a batch of customers rejects the one whose name an employee holds (6240) and creates the rest', async () => {
    h = await startHarness();
    h.emulator.addEmployee(h.realm, 'Jordan Poe');
    const names = ['Batch Name A', 'Jordan Poe', 'Batch Name B'];
    const outcomes = await createMany(
      h.client,
      h.ledger,
      names.map((name) => ({
        key: `names:${name}`,
        entity: 'Customer',
        payload: { DisplayName: name },
        lookup: { displayName: name },
      })),
    );
    expect(outcomes.map((o) => o.state)).toEqual(['created', 'rejected', 'created']);
    expect(outcomes[1]).toMatchObject({ code: '6240' });
    expect(outcomes[1]?.state === 'rejected' && outcomes[1].message).toMatch(/rename one/);
  });

  it('resumes what an interrupted run left: in-flight rows are looked up, the rest sent once', async () => {
    h = await startHarness();
    const inputs = invoices(h, 'RES', 40);
    const rows = h.ledger.planMany(inputs.map((i) => ({ ...i, realm: h.realm })));
    // The crash happened (long ago) after 30 rows were marked sent; QuickBooks had committed the first 15.
    h.ledger.markSent(
      rows.slice(0, 30).map((r) => r.id),
      'crashed-process',
    );
    h.ctx.db.prepare("UPDATE qbo_ledger SET sent_at = '2024-01-01T00:00:00.000Z' WHERE state = 'sent'").run();
    for (const row of rows.slice(0, 15))
      h.emulator.create(h.realm, 'Invoice', {
        ...row.payload,
        PrivateNote: `qb-bridge ref ${row.requestId}`,
      });
    const outcomes = await resumeUnfinished(h.client, h.ledger);
    expect(count(outcomes, 'created')).toBe(40);
    expect(outcomes.filter((o) => o.state === 'created' && o.adopted)).toHaveLength(15);
    expect(duplicates(h)).toBe(0);
    expect(await resumeUnfinished(h.client, h.ledger)).toEqual([]);
  });

  it('413 splits the batch; whole-call 5xx is settled by lookup; a rerun changes nothing', async () => {
    h = await startHarness();
    h.emulator.faults.nextFaults.push('413', '500');
    const inputs = invoices(h, 'S', 30);
    const outcomes = await createMany(h.client, h.ledger, inputs);
    expect(count(outcomes, 'created')).toBe(30);
    expect(duplicates(h)).toBe(0);
    const calls = h.client.stats.calls;
    const again = await createMany(h.client, h.ledger, inputs);
    expect(count(again, 'created')).toBe(30);
    expect(h.client.stats.calls).toBe(calls);
  });

  it('random 5xx and commit-then-drop faults on a third of calls still end with every item once', async () => {
    h = await startHarness({ emulator: { randomSeed: 7 } });
    h.emulator.faults.errorRate = 0.2;
    h.emulator.faults.dropAfterCommitRate = 0.2;
    const inputs = invoices(h, 'F', 120);
    let outcomes = await createMany(h.client, h.ledger, inputs);
    // Nothing is refused; a row whose lost send is not yet provably over may be left pending for the next
    // run (never resent early), and the next run settles it.
    expect(count(outcomes, 'rejected')).toBe(0);
    for (let run = 0; run < 3 && count(outcomes, 'created') < 120; run += 1) {
      outcomes = await createMany(h.client, h.ledger, inputs);
    }
    expect(count(outcomes, 'created')).toBe(120);
    expect(duplicates(h)).toBe(0);
    expect(
      h.emulator.entities(h.realm, 'Invoice').filter((i) => String(i.DocNumber).startsWith('F-')),
    ).toHaveLength(120);
  });

  it('when one batch fails the run, the other workers stop too: no /batch call after createMany rejects', async () => {
    // Deterministic under any load: the first two batches leave together (the first waits at a barrier
    // for the second), the second's answer is held until the first batch's failure has stopped the run,
    // and the failing read's backoffs run on a virtual clock (no real waits for other workers to use).
    const batchCalls: string[] = [];
    let releaseSecond: () => void = () => {};
    const secondHeld = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    let secondStarted: () => void = () => {};
    const bothStarted = new Promise<void>((resolve) => {
      secondStarted = resolve;
    });
    const failingReads: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/batch?')) {
        batchCalls.push(url);
        const mine = batchCalls.length;
        if (mine === 1) await bothStarted;
        if (mine === 2) {
          secondStarted();
          await secondHeld;
        }
      }
      // The follow-up read of a 6140 cannot reach QuickBooks.
      if (/\/invoice\/\d+\?/.test(url)) return Promise.reject(new TypeError('fetch failed'));
      return fetch(input, init);
    };
    h = await startHarness({
      client: {
        fetch: failingReads,
        clock: virtualClock(),
        limiterOptions: { limits: { maxConcurrent: 2 } },
      },
    });
    const other = customerId(h.emulator, h.realm, 'Diego Rodriguez');
    const item = itemId(h.emulator, h.realm, 'Hours');
    h.emulator.create(h.realm, 'Invoice', invoicePayload(other, item, 'STOP-0', 999));
    const inputs = invoices(h, 'STOP', 240);
    const stopRow = () => h.ledger.find(h.realm, 'bench:STOP-0', 'Invoice');

    const running = createMany(h.client, h.ledger, inputs).catch((e: unknown) => e);
    // The first batch's 6140 read has failed for good once its row is planned again with that message;
    // the run's failure flag is set in the same chain of promise reactions, before any timer fires.
    for (let i = 0; i < 2_000 && !/could not be reached/.test(String(stopRow()?.error?.message)); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 0));
    releaseSecond();
    const failure = await running;
    expect(String(failure)).toMatch(/read Invoice/);
    const atFailure = batchCalls.length;
    const invoicesAtFailure = h.emulator.entities(h.realm, 'Invoice').length;
    expect(atFailure).toBe(2);
    // Give any worker that was still running ample time to send more (a batch slot here is ~3 ms).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(batchCalls).toHaveLength(atFailure);
    expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(invoicesAtFailure);
    // What was not sent stays planned for the next run; nothing is left in flight.
    const counts = h.ledger.countByState(h.realm);
    expect(counts.sent + counts.unknown).toBeLessThanOrEqual(1);
    expect(counts.planned).toBeGreaterThan(0);
  });
});
