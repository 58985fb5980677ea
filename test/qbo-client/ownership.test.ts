import { afterEach, describe, expect, it } from 'vitest';
import { createMany, resumeUnfinished } from '../../gateway/src/qbo/exactly-once/batch';
import { QboLedger } from '../../gateway/src/qbo/exactly-once/ledger';
import { markerFor } from '../../gateway/src/qbo/exactly-once/resolve';
import { type CreateInput, createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import { createQboClient, type QboClient } from '../../gateway/src/qbo/http/client';
import { capturingLogger } from '../helpers/context';
import { customerId, type Harness, itemId, startHarness, testTimeScale } from './helpers';

/**
 * A `sent` row belongs to the run that sent it until that run's request can no longer be in flight (the
 * client's timeout plus a margin). Another run — a second process, `resumeUnfinished` at start-up, or a
 * createOnce/createMany on the same keys — must not look it up and resend it in the meantime: batch calls
 * carry no requestid, so QuickBooks would create a second object.
 *
 * These run with auto-numbered invoices found by marker (no DocNumber to collide on, requestids forgotten
 * at once), so a resend that should not have happened shows up as a second invoice.
 */

const day = '2024-05-31';

function invoiceInput(customer: string, item: string, key: string): CreateInput {
  return {
    key,
    entity: 'Invoice',
    payload: {
      CustomerRef: { value: customer },
      TxnDate: day,
      Line: [
        { DetailType: 'SalesItemLineDetail', Amount: 25, SalesItemLineDetail: { ItemRef: { value: item } } },
      ],
    },
    lookup: { marker: { customerRef: customer, txnDate: day } },
  };
}

/** A second client on the same store whose /batch requests wait at a gate before they leave. */
function gatedClient(h: Harness): { client: QboClient; urls: string[]; open: () => void } {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const urls: string[] = [];
  const gatedFetch: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    urls.push(url);
    if (url.includes('/batch?') || /\/invoice\?/.test(url)) await gate;
    return fetch(input, init);
  };
  const client = createQboClient(h.ctx, { tokens: h.vault, timeScale: testTimeScale, fetch: gatedFetch });
  return { client, urls, open };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error('condition never became true');
}

function carrying(h: Harness, requestId: string) {
  return h.emulator
    .entities(h.realm, 'Invoice')
    .filter((e) => typeof e.PrivateNote === 'string' && e.PrivateNote.includes(markerFor(requestId)));
}

/** Moves a row's send time into the past, as if its sender had gone quiet that long ago. */
function ageSent(h: Harness, id: number, minutes: number): void {
  const past = new Date(Date.now() - minutes * 60_000).toISOString();
  h.ctx.db.prepare('UPDATE qbo_ledger SET sent_at = ? WHERE id = ?').run(past, id);
}

describe('a sent row belongs to its sender', () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function autoNumbering(log?: ReturnType<typeof capturingLogger>): Promise<Harness> {
    h = await startHarness({ emulator: { requestIdTtlSeconds: 0 }, log: log?.log });
    h.emulator.setCustomTxnNumbers(false);
    return h;
  }

  it('resumeUnfinished while another run is sending the same rows leaves them alone: no lookup, no resend', async () => {
    await autoNumbering();
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    // Rows QuickBooks numbers go alone (one call each): three fit in the limiter's concurrent slots at once.
    const inputs = Array.from({ length: 3 }, (_, i) => invoiceInput(customer, item, `race:${i}`));
    const a = gatedClient(h);
    const running = createMany(a.client, new QboLedger(h.ctx.db), inputs);
    await until(() => h.ledger.countByState(h.realm).sent === 3);

    // Another process starts up while A's batch is on its way.
    const resumed = await resumeUnfinished(h.client, new QboLedger(h.ctx.db));
    expect(resumed.map((o) => o.state)).toEqual(inputs.map(() => 'pending'));
    expect(resumed[0]?.state === 'pending' && resumed[0].message).toMatch(/being sent by another run/);
    expect(h.urls).toEqual([]);

    a.open();
    const outcomes = await running;
    expect(outcomes.map((o) => o.state)).toEqual(inputs.map(() => 'created'));
    for (const input of inputs) {
      const row = h.ledger.find(h.realm, input.key, 'Invoice')!;
      const found = carrying(h, row.requestId);
      expect(found, input.key).toHaveLength(1);
      expect(row).toMatchObject({ state: 'created', qboId: String(found[0]?.Id), attempts: 1 });
    }
  });

  it('createOnce on a key another run is sending answers pending and sends nothing', async () => {
    await autoNumbering();
    const input = invoiceInput(
      customerId(h.emulator, h.realm, 'Cool Cars'),
      itemId(h.emulator, h.realm, 'Hours'),
      'race:single',
    );
    const a = gatedClient(h);
    const running = createOnce(a.client, new QboLedger(h.ctx.db), input);
    await until(() => h.ledger.countByState(h.realm).sent === 1);

    const second = await createOnce(h.client, h.ledger, input);
    expect(second).toMatchObject({ state: 'pending' });
    expect(h.urls).toEqual([]);

    a.open();
    expect(await running).toMatchObject({ state: 'created', adopted: false });
    expect(carrying(h, h.ledger.find(h.realm, 'race:single', 'Invoice')!.requestId)).toHaveLength(1);
  });

  it('a sent row whose sender went quiet beyond the client timeout is taken over: looked up, then sent once', async () => {
    await autoNumbering();
    const input = invoiceInput(
      customerId(h.emulator, h.realm, 'Cool Cars'),
      itemId(h.emulator, h.realm, 'Hours'),
      'crashed:1',
    );
    const row = h.ledger.plan({ ...input, realm: h.realm });
    h.ledger.markSent([row.id], 'crashed-process');
    ageSent(h, row.id, 10);

    const outcomes = await resumeUnfinished(h.client, h.ledger);
    expect(outcomes).toMatchObject([{ state: 'created', adopted: false }]);
    const paths = h.urls.map((u) => new URL(u).pathname.split('/').pop());
    // A row that may have been sent before is resent alone with its requestid, never through /batch.
    expect(paths).toEqual(['query', 'invoice']);
    expect(new URL(h.urls[1]!).searchParams.get('requestid')).toBe(row.requestId);
    expect(carrying(h, row.requestId)).toHaveLength(1);
    expect(h.ledger.get(row.id)).toMatchObject({ state: 'created', attempts: 2 });
  });

  it('two answers with different ids for one row: the first is kept, the second recorded and logged for an operator', async () => {
    const captured = capturingLogger('info');
    await autoNumbering(captured);
    const input = invoiceInput(
      customerId(h.emulator, h.realm, 'Cool Cars'),
      itemId(h.emulator, h.realm, 'Hours'),
      'stalled:1',
    );
    // A sends and stalls (its process was suspended) long enough for its lease to run out.
    const a = gatedClient(h);
    const stalled = createMany(a.client, new QboLedger(h.ctx.db), [input]);
    await until(() => h.ledger.countByState(h.realm).sent === 1);
    const row = h.ledger.find(h.realm, input.key, 'Invoice')!;
    ageSent(h, row.id, 10);

    // B takes the row over, finds nothing (A's request has not arrived) and creates it.
    const [taken] = await createMany(h.client, new QboLedger(h.ctx.db), [input]);
    expect(taken).toMatchObject({ state: 'created' });
    const first = taken?.state === 'created' ? taken.qboId : '';

    // A's request finally arrives and commits a second invoice.
    a.open();
    await stalled;
    const found = carrying(h, row.requestId);
    expect(found).toHaveLength(2);
    const second = String(found.find((f) => String(f.Id) !== first)?.Id);
    const after = h.ledger.get(row.id);
    expect(after).toMatchObject({ state: 'created', qboId: first });
    expect(after.error).toMatchObject({ duplicates: [{ qboId: second }] });
    const errors = captured.lines.filter((l) => l.includes('"level":"error"') || l.includes('"level":50'));
    expect(errors.some((l) => l.includes(first) && l.includes(second) && /void/i.test(l))).toBe(true);
  });
});
