import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteOnce, updateOnce } from '../../gateway/src/qbo/index';
import { customerId, type Harness, startHarness } from '../qbo-client/helpers';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function itemId(name: string): string {
  return String(h.emulator.entities(h.realm, 'Item').find((i) => i.Name === name)!.Id);
}

function newInvoice(): Record<string, unknown> {
  return h.emulator.create(h.realm, 'Invoice', {
    CustomerRef: { value: customerId(h.emulator, h.realm, 'Cool Cars') },
    DocNumber: `T-${Math.random().toString(36).slice(2, 8)}`,
    Line: [
      {
        DetailType: 'SalesItemLineDetail',
        Amount: 9,
        Description: 'first',
        SalesItemLineDetail: { ItemRef: { value: itemId('Email Hosting') }, Qty: 2, UnitPrice: 4.5 },
      },
    ],
  });
}

const itemLines = (invoice: Record<string, unknown>) =>
  (invoice.Line as Array<Record<string, unknown>>).filter((l) => l.DetailType === 'SalesItemLineDetail');

/** The change the Zimbra flow makes: append a line unless it is there. */
function addLine(description: string) {
  return (current: Record<string, unknown>) => {
    const lines = itemLines(current);
    if (lines.some((l) => l.Description === description)) return { done: true as const };
    if (current.EmailStatus === 'EmailSent') return { refuse: 'already sent' };
    return {
      send: {
        Line: [
          ...lines,
          {
            DetailType: 'SalesItemLineDetail',
            Amount: 4.5,
            Description: description,
            SalesItemLineDetail: { ItemRef: { value: itemId('Email Hosting') }, Qty: 1, UnitPrice: 4.5 },
          },
        ],
      },
    };
  };
}

const stored = (id: string) => h.emulator.entities(h.realm, 'Invoice').find((i) => i.Id === id)!;

describe('updateOnce', () => {
  it('applies a sparse update once; a second call with the same key sends nothing', async () => {
    const invoice = newInvoice();
    const id = String(invoice.Id);
    const first = await updateOnce(h.client, h.ctx.db, {
      key: 'k1',
      entity: 'Invoice',
      id,
      change: addLine('late'),
    });
    expect(first.state).toBe('done');
    expect(itemLines(stored(id)).map((l) => l.Description)).toEqual(['first', 'late']);
    expect(stored(id).TotalAmt).toBe(13.5);
    const calls = h.urls.length;
    const again = await updateOnce(h.client, h.ctx.db, {
      key: 'k1',
      entity: 'Invoice',
      id,
      change: addLine('late'),
    });
    expect(again.state).toBe('done');
    expect(h.urls.length).toBe(calls);
  });

  it('re-reads and retries after a stale SyncToken (someone edited it between read and send)', async () => {
    const invoice = newInvoice();
    const id = String(invoice.Id);
    let rounds = 0;
    const outcome = await updateOnce(h.client, h.ctx.db, {
      key: 'k2',
      entity: 'Invoice',
      id,
      change: (current) => {
        rounds++;
        if (rounds === 1) {
          // A person saves the invoice in QuickBooks meanwhile: its SyncToken moves on.
          h.emulator.create(h.realm, 'Invoice', {
            ...stored(id),
            PrivateNote: 'edited by a person',
            sparse: true,
          });
        }
        return addLine('late')(current);
      },
    });
    expect(outcome.state).toBe('done');
    expect(rounds).toBe(2);
    expect(stored(id).PrivateNote).toBe('edited by a person');
    expect(itemLines(stored(id)).map((l) => l.Description)).toEqual(['first', 'late']);
  });

  it('a send whose answer was lost is not applied twice', async () => {
    const invoice = newInvoice();
    const id = String(invoice.Id);
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const outcome = await updateOnce(h.client, h.ctx.db, {
      key: 'k3',
      entity: 'Invoice',
      id,
      change: addLine('late'),
    });
    expect(outcome.state).toBe('done');
    expect(itemLines(stored(id)).map((l) => l.Description)).toEqual(['first', 'late']);
  });

  it('refuses when the change says so, and remembers it', async () => {
    const invoice = newInvoice();
    const id = String(invoice.Id);
    const outcome = await updateOnce(h.client, h.ctx.db, {
      key: 'k4',
      entity: 'Invoice',
      id,
      change: () => ({ refuse: 'sent to the customer' }),
    });
    expect(outcome).toEqual({ key: 'k4', state: 'refused', message: 'sent to the customer' });
  });
});

describe('deleteOnce', () => {
  it('deletes once, counts an already-deleted object as deleted, and keeps a guarded one', async () => {
    const a = String(newInvoice().Id);
    expect(
      (await deleteOnce(h.client, h.ctx.db, { key: 'd1', entity: 'Invoice', id: a, guard: () => null }))
        .state,
    ).toBe('deleted');
    expect(h.emulator.entities(h.realm, 'Invoice').some((i) => i.Id === a)).toBe(false);
    expect(
      (await deleteOnce(h.client, h.ctx.db, { key: 'd1b', entity: 'Invoice', id: a, guard: () => null }))
        .state,
    ).toBe('deleted');
    const b = String(newInvoice().Id);
    const kept = await deleteOnce(h.client, h.ctx.db, {
      key: 'd2',
      entity: 'Invoice',
      id: b,
      guard: () => 'it was sent',
    });
    expect(kept).toEqual({ key: 'd2', state: 'refused', message: 'it was sent' });
    expect(h.emulator.entities(h.realm, 'Invoice').some((i) => i.Id === b)).toBe(true);
  });

  it('a delete whose answer was lost is settled by reading', async () => {
    const a = String(newInvoice().Id);
    h.emulator.faults.nextFaults.push('drop-after-commit');
    expect(
      (await deleteOnce(h.client, h.ctx.db, { key: 'd3', entity: 'Invoice', id: a, guard: () => null }))
        .state,
    ).toBe('deleted');
  });
});
