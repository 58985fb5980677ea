import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { type PlanInput, payloadHash, QboLedger } from '../../gateway/src/qbo/exactly-once/ledger';
import { testContext } from '../helpers/context';

describe('exactly-once ledger', () => {
  let ctx: AppContext;
  let ledger: QboLedger;
  beforeEach(() => {
    ctx = testContext();
    ledger = new QboLedger(ctx.db);
  });
  afterEach(() => ctx.close());

  const input = (
    payload: Record<string, unknown> = { DocNumber: 'S-1', Line: [{ Amount: 10 }] },
  ): PlanInput => ({
    key: 'sheets:abc:7',
    entity: 'Invoice',
    realm: '123',
    payload,
    lookup: { docNumber: 'S-1' },
  });

  it('plans once per key with a 32-hex requestid persisted before anything is sent', () => {
    const first = ledger.plan(input());
    expect(first).toMatchObject({ state: 'planned', attempts: 0, lookup: { docNumber: 'S-1' } });
    expect(first.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(ledger.plan(input()).requestId).toBe(first.requestId);
    expect(ledger.get(first.id).requestId).toBe(first.requestId);
    // Same content with keys in another order is the same payload.
    expect(payloadHash({ b: 1, a: { d: 2, c: 3 } })).toBe(payloadHash({ a: { c: 3, d: 2 }, b: 1 }));
    // The same key for another entity (dual mode: invoice and bill from one row) is a separate intent.
    expect(ledger.plan({ ...input(), entity: 'Bill' }).id).not.toBe(first.id);
  });

  it('a row is sent by one run only: a second claim gets nothing until the row is settled', () => {
    const row = ledger.plan(input());
    expect(ledger.markSent([row.id], 'run-a')).toEqual([row.id]);
    expect(ledger.markSent([row.id], 'run-b')).toEqual([]);
    expect(ledger.get(row.id)).toMatchObject({ state: 'sent', attempts: 1, sentBy: 'run-a' });
  });

  it('keeps an in-flight payload until its outcome is settled; a planned row takes the new payload and keeps its requestid', () => {
    const row = ledger.plan(input());
    ledger.markSent([row.id], 'run-a');
    const changed = input({ DocNumber: 'S-1', Line: [{ Amount: 99 }] });
    expect(ledger.plan(changed).payloadHash).toBe(row.payloadHash);
    ledger.markUnknown([row.id], { message: 'timeout' }, 'run-a');
    expect(ledger.replanAfterLookup(row.id, 1, new Date().toISOString(), 0)).toBe(true);
    const replanned = ledger.plan(changed);
    expect(replanned.payloadHash).toBe(payloadHash(changed.payload));
    expect(replanned.requestId).toBe(row.requestId);
  });

  it('a rejected row stays rejected for the same payload and is re-planned with a new requestid when it changes', () => {
    const row = ledger.plan(input());
    ledger.markSent([row.id], 'run-a');
    ledger.markRejected(row.id, { message: 'bad item' });
    expect(ledger.plan(input())).toMatchObject({ state: 'rejected', error: { message: 'bad item' } });
    const fixed = ledger.plan(input({ DocNumber: 'S-1', Line: [{ Amount: 11 }] }));
    expect(fixed).toMatchObject({ state: 'planned', error: null });
    expect(fixed.requestId).not.toBe(row.requestId);
  });

  it('a created row is final: a new payload does not re-plan it', () => {
    const row = ledger.plan(input());
    ledger.markSent([row.id], 'run-a');
    ledger.markCreated(row.id, { qboId: '42', syncToken: '0', intuitTid: 'tid' });
    expect(ledger.plan(input({ DocNumber: 'S-1', Line: [] }))).toMatchObject({
      state: 'created',
      qboId: '42',
      intuitTid: 'tid',
    });
    expect(ledger.unfinished('123')).toHaveLength(0);
    expect(ledger.countByState('123')).toMatchObject({ created: 1 });
  });
});

describe('ledger ownership of sent rows and guarded transitions', () => {
  let ctx: AppContext;
  let ledger: QboLedger;
  beforeEach(() => {
    ctx = testContext();
    ledger = new QboLedger(ctx.db);
  });
  afterEach(() => ctx.close());

  const lease = 60_000;
  const sentRow = (minutesAgo: number, sender = 'run-a') => {
    const row = ledger.plan({
      key: `k:${Math.random()}`,
      entity: 'Customer',
      realm: '123',
      payload: { DisplayName: 'Ann' },
      lookup: { displayName: 'Ann' },
    });
    ledger.markSent([row.id], sender);
    const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
    ctx.db.prepare('UPDATE qbo_ledger SET sent_at = ? WHERE id = ?').run(at, row.id);
    return ledger.get(row.id);
  };

  it('a sent row within its lease cannot be taken over; a stale one by exactly one of two takers', () => {
    expect(ledger.takeOver(sentRow(0), 'run-b', lease)).toBe(false);
    const stale = sentRow(5);
    expect(ledger.takeOver(stale, 'run-b', lease)).toBe(true);
    expect(ledger.takeOver(stale, 'run-c', lease)).toBe(false);
    expect(ledger.get(stale.id)).toMatchObject({ state: 'unknown', sentBy: 'run-b', attempts: 1 });
  });

  it('a sender that renews its lease keeps its row; a takeover judged on the old send time fails', () => {
    const row = sentRow(5);
    ledger.renewSent([row.id], 'run-a');
    expect(ledger.takeOver(row, 'run-b', lease)).toBe(false);
    expect(ledger.takeOver(ledger.get(row.id), 'run-b', lease)).toBe(false);
    expect(ledger.get(row.id)).toMatchObject({ state: 'sent', sentBy: 'run-a' });
  });

  it('only the sender moves its sent row to unknown or back to planned', () => {
    const row = sentRow(0);
    ledger.markUnknown([row.id], { message: 'timeout' }, 'run-b');
    ledger.releaseUnsent([row.id], 'run-b');
    expect(ledger.get(row.id).state).toBe('sent');
    ledger.markUnknown([row.id], { message: 'timeout' }, 'run-a');
    expect(ledger.get(row.id).state).toBe('unknown');
  });

  it('"not found" replans only the attempt the lookup saw: a resend in between wins', () => {
    const row = sentRow(0);
    ledger.markUnknown([row.id], { message: 'timeout' }, 'run-a');
    const seen = ledger.get(row.id);
    // Run B looks up, finds nothing, replans and sends again before run C's lookup answer lands.
    expect(ledger.replanAfterLookup(row.id, seen.attempts, new Date().toISOString(), 0)).toBe(true);
    ledger.markSent([row.id], 'run-b');
    ledger.markUnknown([row.id], { message: 'timeout' }, 'run-b');
    expect(ledger.replanAfterLookup(row.id, seen.attempts, new Date().toISOString(), 0)).toBe(false);
    expect(ledger.markRejected(row.id, { message: 'taken' }, null, { attempts: seen.attempts })).toBe(false);
    expect(ledger.get(row.id)).toMatchObject({ state: 'unknown', attempts: 2 });
  });

  it('a created row keeps its first id; a second id is recorded as a detected duplicate, once', () => {
    const row = sentRow(0);
    expect(ledger.markCreated(row.id, { qboId: '42' })).toEqual({ kind: 'created', fromRejected: false });
    expect(ledger.markCreated(row.id, { qboId: '42' })).toEqual({ kind: 'same' });
    expect(ledger.markCreated(row.id, { qboId: '43', adopted: true })).toEqual({
      kind: 'duplicate',
      keptId: '42',
      duplicateId: '43',
    });
    expect(ledger.markCreated(row.id, { qboId: '43' })).toEqual({ kind: 'same' });
    const after = ledger.get(row.id);
    expect(after).toMatchObject({ state: 'created', qboId: '42' });
    expect(after.error).toMatchObject({ duplicates: [{ qboId: '43', adopted: true }] });
    expect(after.error?.message).toMatch(/42 \(kept\) and 43; void 43/);
    expect(after.error?.duplicates).toHaveLength(1);
  });

  it('a late answer with an object for a rejected row points the row at it (the object exists)', () => {
    const row = sentRow(0);
    ledger.markRejected(row.id, { message: 'refused on the resend' });
    expect(ledger.markCreated(row.id, { qboId: '77' })).toEqual({ kind: 'created', fromRejected: true });
    expect(ledger.get(row.id)).toMatchObject({ state: 'created', qboId: '77', error: null });
  });

  it('a created row is not moved back by a late rejection, unknown or release', () => {
    const row = sentRow(0);
    ledger.markCreated(row.id, { qboId: '42' });
    expect(ledger.markRejected(row.id, { message: 'late 6240' })).toBe(false);
    ledger.markUnknown([row.id], { message: 'late timeout' }, 'run-a');
    ledger.releaseUnsent([row.id], 'run-a');
    expect(ledger.replanAfterLookup(row.id, 1, new Date().toISOString(), 0)).toBe(false);
    expect(ledger.get(row.id)).toMatchObject({ state: 'created', qboId: '42', error: null });
  });
});

describe('ledger rows looked up by party, date and marker', () => {
  let ctx: AppContext;
  let ledger: QboLedger;
  beforeEach(() => {
    ctx = testContext();
    ledger = new QboLedger(ctx.db);
  });
  afterEach(() => ctx.close());

  const bill = (payload: Record<string, unknown> = {}): PlanInput => ({
    key: 'mis:bill:9',
    entity: 'Bill',
    realm: '123',
    payload: { VendorRef: { value: '56' }, TxnDate: '2024-05-31', Line: [{ Amount: 10 }], ...payload },
    lookup: { marker: { vendorRef: '56', txnDate: '2024-05-31' } },
  });

  it('keeps the vendor and date through the store, a re-plan and a payload change', () => {
    const row = ledger.plan(bill());
    const lookup = { marker: { vendorRef: '56', txnDate: '2024-05-31' } };
    expect(row.lookup).toEqual(lookup);
    expect(ledger.get(row.id).lookup).toEqual(lookup);
    expect(ledger.plan(bill()).id).toBe(row.id);
    const changed = ledger.plan(bill({ Line: [{ Amount: 12 }] }));
    expect(changed.lookup).toEqual(lookup);
    expect(changed.requestId).toBe(row.requestId);
    expect(ledger.unfinished('123')[0]?.lookup).toEqual(lookup);
  });

  it('an invoice marker names the customer and round-trips as such', () => {
    const row = ledger.plan({
      key: 'zimbra:acme:2024-05',
      entity: 'Invoice',
      realm: '123',
      payload: { CustomerRef: { value: 7 }, TxnDate: '2024-06-01', Line: [] },
      lookup: { marker: { customerRef: '7', txnDate: '2024-06-01' } },
    });
    expect(ledger.get(row.id).lookup).toEqual({ marker: { customerRef: '7', txnDate: '2024-06-01' } });
  });

  it('refuses a marker lookup that would search somewhere else than the payload lands', () => {
    // No TxnDate: QuickBooks would date it "today" in the company's time zone.
    expect(() => ledger.plan(bill({ TxnDate: undefined }))).toThrow(/TxnDate must be 2024-05-31/);
    expect(() => ledger.plan(bill({ VendorRef: { value: '57' } }))).toThrow(/VendorRef must be 56/);
    expect(() =>
      ledger.plan({ ...bill(), lookup: { marker: { customerRef: '56', txnDate: '2024-05-31' } } }),
    ).toThrow(/needs \{ vendorRef \}/);
    expect(() =>
      ledger.plan({
        ...bill({ TxnDate: '2024-02-30' }),
        lookup: { marker: { vendorRef: '56', txnDate: '2024-02-30' } },
      }),
    ).toThrow(/YYYY-MM-DD/);
    expect(() =>
      ledger.plan({
        key: 'names:x',
        entity: 'Customer',
        realm: '123',
        payload: { DisplayName: 'X' },
        lookup: { marker: { customerRef: '1', txnDate: '2024-05-31' } },
      }),
    ).toThrow(/displayName/);
    expect(ledger.countByState('123').planned).toBe(0);
  });
});

describe('plan() refuses a DocNumber or DisplayName lookup the payload does not carry', () => {
  let ctx: AppContext;
  let ledger: QboLedger;
  beforeEach(() => {
    ctx = testContext();
    ledger = new QboLedger(ctx.db);
  });
  afterEach(() => ctx.close());

  const plan = (entity: PlanInput['entity'], payload: Record<string, unknown>, lookup: PlanInput['lookup']) =>
    ledger.plan({ key: 'k', entity, realm: '123', payload, lookup });

  it('a docNumber lookup needs an invoice or bill whose payload carries that very DocNumber', () => {
    // QuickBooks numbering the invoice itself: a lookup by "INV-77" would never find it and resend.
    expect(() => plan('Invoice', { Line: [] }, { docNumber: 'INV-77' })).toThrow(
      /DocNumber must be "INV-77".*got null.*marker/,
    );
    expect(() => plan('Bill', { DocNumber: 'B-2', Line: [] }, { docNumber: 'B-1' })).toThrow(
      /DocNumber must be "B-1".*got "B-2"/,
    );
    expect(() => plan('Customer', { DisplayName: 'X', DocNumber: 'X' }, { docNumber: 'X' })).toThrow(
      /docNumber lookup only works for invoices and bills, not Customer/,
    );
    expect(ledger.countByState('123').planned).toBe(0);
    expect(plan('Bill', { DocNumber: 'B-1', Line: [] }, { docNumber: 'B-1' }).state).toBe('planned');
  });

  it('a displayName lookup needs a customer or vendor whose payload carries that name', () => {
    expect(() => plan('Invoice', { DocNumber: 'X-1', Line: [] }, { displayName: 'X-1' })).toThrow(
      /displayName lookup only works for customers and vendors, not Invoice/,
    );
    expect(() => plan('Vendor', { DisplayName: 'Ann Lee' }, { displayName: 'Bob Lee' })).toThrow(
      /DisplayName must be "Bob Lee".*got "Ann Lee"/,
    );
    expect(() => plan('Customer', {}, { displayName: 'Bob Lee' })).toThrow(/got null/);
    expect(ledger.countByState('123').planned).toBe(0);
    // The same name as QuickBooks compares names (spaces, case, curly apostrophe) is the same name.
    expect(plan('Customer', { DisplayName: ' amy’s  BIRDS ' }, { displayName: "Amy's Birds" }).state).toBe(
      'planned',
    );
  });
});
