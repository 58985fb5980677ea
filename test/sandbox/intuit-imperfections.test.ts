import { describe, expect, it } from 'vitest';
import { emulatorWithToken, firstError, query } from './helpers';

/**
 * Issue 13: the emulator behaves like Intuit where exactly-once is decided — query results lag commits,
 * a create can commit after its connection dropped, a company can accept duplicate numbers, and a
 * requestid is replayed only for a while.
 */

function customerAndItem(emulator: ReturnType<typeof emulatorWithToken>['emulator']) {
  const customer = String(emulator.entities(emulator.realmId, 'Customer')[0]?.Id);
  const item = String(emulator.entities(emulator.realmId, 'Item')[0]?.Id);
  return { customer, item };
}

function invoice(customer: string, item: string, doc: string) {
  return {
    CustomerRef: { value: customer },
    DocNumber: doc,
    Line: [
      { DetailType: 'SalesItemLineDetail', Amount: 10, SalesItemLineDetail: { ItemRef: { value: item } } },
    ],
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the emulator as Intuit really behaves', () => {
  it('query lag: a fresh create is read by id and guards its number at once, but shows in queries only later', async () => {
    const { emulator, api } = emulatorWithToken();
    const { customer, item } = customerAndItem(emulator);
    emulator.faults.queryLagMs = 150;
    const created = await api('POST', 'invoice', invoice(customer, item, 'LAG-1'));
    expect(created.status).toBe(200);
    const id = String((created.json.Invoice as { Id: string }).Id);
    const lookup = () =>
      api('GET', 'query', undefined, query("select * from Invoice where DocNumber = 'LAG-1'"));
    expect((await lookup()).json.QueryResponse).toEqual({});
    expect((await api('GET', `invoice/${id}`)).status).toBe(200);
    expect(firstError((await api('POST', 'invoice', invoice(customer, item, 'LAG-1'))).json).code).toBe(
      '6140',
    );
    await sleep(200);
    expect((await lookup()).json.QueryResponse).toMatchObject({ Invoice: [{ Id: id }] });
  });

  it('late commit: the connection drops at once and the create lands lateCommitMs later; a repeat of its requestid waits for it and replays it', async () => {
    const { emulator, api } = emulatorWithToken();
    const { customer, item } = customerAndItem(emulator);
    emulator.faults.lateCommitMs = 150;
    emulator.faults.nextFaults.push('late-commit');
    const count = () =>
      emulator.entities(emulator.realmId, 'Invoice').filter((i) => i.DocNumber === 'LATE-1').length;
    await expect(
      api('POST', 'invoice', invoice(customer, item, 'LATE-1'), { requestid: 'late-1' }),
    ).rejects.toThrow(/fetch failed/);
    expect(count()).toBe(0);
    const repeat = await api('POST', 'invoice', invoice(customer, item, 'LATE-1'), { requestid: 'late-1' });
    expect(repeat.status).toBe(200);
    expect(count()).toBe(1);
    expect(String((repeat.json.Invoice as { Id: string }).Id)).toBe(
      String(emulator.entities(emulator.realmId, 'Invoice').find((i) => i.DocNumber === 'LATE-1')?.Id),
    );
  });

  it('a late-committing batch lands after the drop, with no requestid to protect it', async () => {
    const { emulator, api } = emulatorWithToken();
    const { customer, item } = customerAndItem(emulator);
    emulator.faults.lateCommitMs = 100;
    emulator.faults.nextFaults.push('late-commit');
    const body = {
      BatchItemRequest: [{ bId: '0', operation: 'create', Invoice: invoice(customer, item, 'LATEB-1') }],
    };
    await expect(api('POST', 'batch', body)).rejects.toThrow(/fetch failed/);
    const count = () =>
      emulator.entities(emulator.realmId, 'Invoice').filter((i) => i.DocNumber === 'LATEB-1').length;
    expect(count()).toBe(0);
    await sleep(200);
    expect(count()).toBe(1);
  });

  it('per company: with the duplicate-number warning off a second invoice with a used number is accepted', async () => {
    const { emulator, api } = emulatorWithToken();
    const { customer, item } = customerAndItem(emulator);
    expect((await api('POST', 'invoice', invoice(customer, item, 'DUP-1'))).status).toBe(200);
    expect(firstError((await api('POST', 'invoice', invoice(customer, item, 'DUP-1'))).json).code).toBe(
      '6140',
    );
    emulator.setDuplicateDocNumberCheck(false);
    expect((await api('POST', 'invoice', invoice(customer, item, 'DUP-1'))).status).toBe(200);
    expect(
      emulator.entities(emulator.realmId, 'Invoice').filter((i) => i.DocNumber === 'DUP-1'),
    ).toHaveLength(2);
  });

  it('a finite requestid window: within it a repeat is replayed, after it the create runs again', async () => {
    const { emulator, api } = emulatorWithToken({ timeScale: 1_000 });
    const { customer, item } = customerAndItem(emulator);
    emulator.setDuplicateDocNumberCheck(false);
    emulator.setRequestIdTtlSeconds(100);
    const send = () => api('POST', 'invoice', invoice(customer, item, 'TTL-1'), { requestid: 'ttl-1' });
    const first = await send();
    const again = await send();
    expect(again.json.Invoice).toEqual(first.json.Invoice);
    await sleep(150);
    const later = await send();
    expect((later.json.Invoice as { Id: string }).Id).not.toBe((first.json.Invoice as { Id: string }).Id);
  });
});
