import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import {
  customerId,
  type Harness,
  invoicePayload,
  invoicesWithDocNumber,
  itemId,
  startHarness,
} from './helpers';

describe('createOnce against the emulator', () => {
  let h: Harness;
  let customer: string;
  let item: string;
  beforeEach(async () => {
    h = await startHarness();
    customer = customerId(h.emulator, h.realm, "Amy's Bird Sanctuary");
    item = itemId(h.emulator, h.realm, 'Services');
  });
  afterEach(async () => h.close());

  const create = (doc: string, cents = 10_000, key = `test:${doc}`) =>
    createOnce(h.client, h.ledger, {
      key,
      entity: 'Invoice',
      payload: invoicePayload(customer, item, doc, cents),
      lookup: { docNumber: doc },
    });

  it('creates once, and a second call with the same key answers from the ledger without a request', async () => {
    const first = await create('A-1');
    expect(first).toMatchObject({ state: 'created', adopted: false });
    const calls = h.client.stats.calls;
    const second = await create('A-1');
    expect(second).toMatchObject({ state: 'created', qboId: first.state === 'created' ? first.qboId : '' });
    expect(h.client.stats.calls).toBe(calls);
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'A-1')).toBe(1);
  });

  it('a create whose response is dropped after commit is resolved by lookup, not duplicated', async () => {
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const outcome = await create('DROP-1');
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'DROP-1')).toBe(1);
    const row = h.ledger.find(h.realm, 'test:DROP-1', 'Invoice');
    expect(row).toMatchObject({ state: 'created', attempts: 1 });
    expect(
      String(h.emulator.entities(h.realm, 'Invoice').find((i) => i.DocNumber === 'DROP-1')?.PrivateNote),
    ).toContain(row!.requestId);
  });

  it('a create that times out after commit is resolved by lookup, not duplicated', async () => {
    await h.close();
    h = await startHarness({ client: { timeoutMs: 150 } });
    h.emulator.faults.nextFaults.push('timeout');
    const outcome = await create('TIME-1');
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'TIME-1')).toBe(1);
  });

  it('a 5xx before commit leads to a lookup that finds nothing, then one resend with the same requestid', async () => {
    h.emulator.faults.nextFaults.push('503');
    const outcome = await create('R-503');
    expect(outcome).toMatchObject({ state: 'created', adopted: false });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'R-503')).toBe(1);
    const creates = h.urls.filter((u) => u.includes('/invoice?'));
    expect(creates).toHaveLength(2);
    const ids = creates.map((u) => new URL(u).searchParams.get('requestid'));
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    const queries = h.urls
      .filter((u) => u.includes('/query?'))
      .map((u) => new URL(u).searchParams.get('query'));
    expect(queries).toContain(
      "select * from Invoice where DocNumber IN ('R-503') ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000",
    );
  });

  it('a crash after "sent" is continued by the next run: looked up first, adopted when it exists', async () => {
    const row = h.ledger.plan({
      key: 'test:CRASH-1',
      entity: 'Invoice',
      realm: h.realm,
      payload: invoicePayload(customer, item, 'CRASH-1'),
      lookup: { docNumber: 'CRASH-1' },
    });
    h.ledger.markSent([row.id], 'crashed-process');
    // The crash was long ago: its request can no longer be on its way.
    h.ctx.db.prepare("UPDATE qbo_ledger SET sent_at = '2024-01-01T00:00:00.000Z' WHERE id = ?").run(row.id);
    // The request reached QuickBooks before the crash.
    h.emulator.create(h.realm, 'Invoice', {
      ...invoicePayload(customer, item, 'CRASH-1'),
      PrivateNote: `qb-bridge ref ${row.requestId}`,
    });
    const outcome = await create('CRASH-1');
    expect(outcome).toMatchObject({ state: 'created', adopted: true });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'CRASH-1')).toBe(1);
    expect(h.urls.filter((u) => u.includes('/invoice?'))).toHaveLength(0);
  });

  it('a crash after "sent" whose request never arrived is looked up, then sent once', async () => {
    const row = h.ledger.plan({
      key: 'test:CRASH-2',
      entity: 'Invoice',
      realm: h.realm,
      payload: invoicePayload(customer, item, 'CRASH-2'),
      lookup: { docNumber: 'CRASH-2' },
    });
    h.ledger.markSent([row.id], 'crashed-process');
    // The crash was long ago: its request can no longer be on its way.
    h.ctx.db.prepare("UPDATE qbo_ledger SET sent_at = '2024-01-01T00:00:00.000Z' WHERE id = ?").run(row.id);
    expect(await create('CRASH-2')).toMatchObject({ state: 'created', adopted: false });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'CRASH-2')).toBe(1);
  });

  it('401 refreshes the token once and repeats the create with the same requestid', async () => {
    h.emulator.expireAccessTokens();
    const before = h.emulator.stats().tokenRefreshes;
    expect(await create('AUTH-1')).toMatchObject({ state: 'created' });
    expect(h.emulator.stats().tokenRefreshes).toBe(before + 1);
    const creates = h.urls.filter((u) => u.includes('/invoice?'));
    expect(creates).toHaveLength(2);
    expect(new URL(creates[1]!).searchParams.get('requestid')).toBe(
      new URL(creates[0]!).searchParams.get('requestid'),
    );
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'AUTH-1')).toBe(1);
  });

  it('a validation fault is rejected with a sentence, not retried, and re-planned only when the payload changes', async () => {
    const bad = await createOnce(h.client, h.ledger, {
      key: 'test:BAD-1',
      entity: 'Invoice',
      payload: { ...invoicePayload(customer, '999999', 'BAD-1') },
      lookup: { docNumber: 'BAD-1' },
    });
    expect(bad).toMatchObject({ state: 'rejected', code: '2500' });
    expect(bad.state === 'rejected' && bad.message).toMatch(/does not exist or is inactive/);
    const firstRequestId = h.ledger.find(h.realm, 'test:BAD-1', 'Invoice')!.requestId;
    const seen = h.urls.length;
    expect(
      await createOnce(h.client, h.ledger, {
        key: 'test:BAD-1',
        entity: 'Invoice',
        payload: invoicePayload(customer, '999999', 'BAD-1'),
        lookup: { docNumber: 'BAD-1' },
      }),
    ).toMatchObject({ state: 'rejected' });
    // Nothing is sent again: the only call reads the item the refusal named, which still does not exist.
    expect(h.urls.slice(seen).map((u) => new URL(u).pathname.split('/').slice(-2).join('/'))).toEqual([
      'item/999999',
    ]);
    const fixed = await create('BAD-1', 10_000, 'test:BAD-1');
    expect(fixed).toMatchObject({ state: 'created' });
    expect(h.ledger.find(h.realm, 'test:BAD-1', 'Invoice')!.requestId).not.toBe(firstRequestId);
  });

  it('6140: adopts the existing transaction when it is ours, rejects with a sentence when it is not', async () => {
    // Ours: same customer and amount, created by an earlier attempt the ledger never heard back from.
    h.emulator.create(h.realm, 'Invoice', invoicePayload(customer, item, 'DUP-OURS', 10_000));
    const row = h.ledger.plan({
      key: 'test:DUP-OURS',
      entity: 'Invoice',
      realm: h.realm,
      payload: invoicePayload(customer, item, 'DUP-OURS'),
      lookup: { docNumber: 'DUP-OURS' },
    });
    expect(row.state).toBe('planned');
    expect(await create('DUP-OURS')).toMatchObject({ state: 'created', adopted: true });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'DUP-OURS')).toBe(1);
    expect(h.urls.some((u) => /\/invoice\/\d+\?/.test(u))).toBe(true);

    const other = customerId(h.emulator, h.realm, 'Cool Cars');
    h.emulator.create(h.realm, 'Invoice', invoicePayload(other, item, 'DUP-THEIRS', 5_000));
    const theirs = await create('DUP-THEIRS');
    expect(theirs).toMatchObject({ state: 'rejected', code: '6140' });
    expect(theirs.state === 'rejected' && theirs.message).toMatch(
      /DUP-THEIRS is already used by Invoice \d+/,
    );
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'DUP-THEIRS')).toBe(1);
  });
});

describe('createOnce when the connection is gone', () => {
  it('leaves the row planned (never sent) and surfaces the reconnect sentence', async () => {
    const h = await startHarness();
    try {
      await h.vault.disconnect(h.realm, 'test');
      const customer = customerId(h.emulator, h.realm, 'Cool Cars');
      const item = itemId(h.emulator, h.realm, 'Hours');
      const error = await createOnce(h.client, h.ledger, {
        key: 'test:GONE-1',
        entity: 'Invoice',
        payload: invoicePayload(customer, item, 'GONE-1'),
        lookup: { docNumber: 'GONE-1' },
      }).catch((e: unknown) => e);
      expect(String((error as Error).message)).toContain('authorize-qbo');
      expect(h.ledger.find(h.realm, 'test:GONE-1', 'Invoice')).toMatchObject({ state: 'planned' });
      expect(invoicesWithDocNumber(h.emulator, h.realm, 'GONE-1')).toBe(0);
    } finally {
      await h.close();
    }
  });
});
