import { describe, expect, it } from 'vitest';
import { emulatorWithToken, firstError } from './helpers';

type Json = Record<string, unknown>;
const line = (amount: number) => ({
  Amount: amount,
  DetailType: 'SalesItemLineDetail',
  SalesItemLineDetail: { ItemRef: { value: '1' } },
});

describe('emulator requestid replay', () => {
  it('replays the original response verbatim, whatever the new body says', async () => {
    const { api, emulator } = emulatorWithToken();
    const first = await api(
      'POST',
      'invoice',
      { CustomerRef: { value: '1' }, Line: [line(10)] },
      { requestid: 'req-1' },
    );
    const again = await api(
      'POST',
      'invoice',
      { CustomerRef: { value: '2' }, Line: [line(99)] },
      { requestid: 'req-1' },
    );
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(1);
    const other = await api(
      'POST',
      'invoice',
      { CustomerRef: { value: '1' }, Line: [line(10)] },
      { requestid: 'req-2' },
    );
    expect(other.text).not.toBe(first.text);
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(2);
  });

  it('replays a fault too, and keeps requestids per realm', async () => {
    const { api } = emulatorWithToken();
    const fault = await api('POST', 'customer', { DisplayName: 'Cool Cars' }, { requestid: 'same' });
    expect(fault.status).toBe(400);
    const replay = await api('POST', 'customer', { DisplayName: 'Brand New Name' }, { requestid: 'same' });
    expect(replay.status).toBe(400);
    expect(replay.text).toBe(fault.text);
  });

  it('rejects a requestid longer than 50 characters with a 6000 fault', async () => {
    const { api, emulator } = emulatorWithToken();
    const result = await api(
      'POST',
      'invoice',
      { CustomerRef: { value: '1' }, Line: [line(1)] },
      { requestid: 'r'.repeat(51) },
    );
    expect(result.status).toBe(400);
    expect(firstError(result.json)).toMatchObject({ code: '6000' });
    expect(String(firstError(result.json).Detail)).toContain('51 characters');
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(0);
  });
  it('forgets a requestid after the configured retention (none by default)', async () => {
    let now = 1_000_000;
    const { api, emulator } = emulatorWithToken({ now: () => now, requestIdTtlSeconds: 60 });
    const body = { CustomerRef: { value: '1' }, Line: [line(3)] };
    await api('POST', 'invoice', body, { requestid: 'kept' });
    now += 59_000;
    await api('POST', 'invoice', body, { requestid: 'kept' });
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(1);
    now += 2_000;
    await api('POST', 'invoice', body, { requestid: 'kept' });
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(2);
  });
});

describe('emulator batch', () => {
  it('runs items serially, not transactionally, and hides objects created in the same batch', async () => {
    const { api, emulator } = emulatorWithToken();
    const result = await api('POST', 'batch', {
      BatchItemRequest: [
        { bId: 'c1', operation: 'create', Customer: { DisplayName: 'Batch Customer' } },
        { bId: 'i1', operation: 'create', Invoice: { CustomerRef: { value: '1' }, Line: [line(5)] } },
        { bId: 'dup', operation: 'create', Customer: { DisplayName: 'Cool Cars' } },
        { bId: 'q1', Query: "select * from Customer where DisplayName = 'Batch Customer'" },
        { bId: 'v1', operation: 'update', optionsData: 'void', Invoice: { Id: '99', SyncToken: '0' } },
      ],
    });
    expect(result.status).toBe(200);
    const items = result.json.BatchItemResponse as Json[];
    expect(items.map((i) => i.bId)).toEqual(['c1', 'i1', 'dup', 'q1', 'v1']);
    const created = ((items[0] as Json).Customer as Json).Id;
    expect(items[1]?.Invoice).toMatchObject({ TotalAmt: 5 });
    expect(firstError(items[2] as Json).code).toBe('6240');
    expect(items[3]).toEqual({ QueryResponse: {}, bId: 'q1' });
    expect(firstError(items[4] as Json).code).toBe('610');

    const useNew = await api('POST', 'batch', {
      BatchItemRequest: [
        { bId: 'c2', operation: 'create', Customer: { DisplayName: 'Second Batch Customer' } },
        {
          bId: 'i2',
          operation: 'create',
          Invoice: { CustomerRef: { value: String(created) }, Line: [line(5)] },
        },
      ],
    });
    const second = useNew.json.BatchItemResponse as Json[];
    expect(second[1]?.Invoice).toMatchObject({ CustomerRef: { value: created, name: 'Batch Customer' } });
    const newId = String(((second[0] as Json).Customer as Json).Id);
    const sameBatch = await api('POST', 'batch', {
      BatchItemRequest: [
        { bId: 'c3', operation: 'create', Customer: { DisplayName: 'Third' } },
        {
          bId: 'i3',
          operation: 'create',
          Invoice: { CustomerRef: { value: String(Number(newId) + 1) }, Line: [line(5)] },
        },
      ],
    });
    expect(firstError((sameBatch.json.BatchItemResponse as Json[])[1] as Json)).toMatchObject({
      code: '2500',
      element: 'CustomerRef',
    });
    expect(emulator.entities(emulator.realmId, 'Customer').length).toBe(11);
  });

  it('accepts 30 items, rejects 31 with HTTP 400 and creates nothing', async () => {
    const { api, emulator } = emulatorWithToken();
    const items = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({
        bId: `${prefix}${i}`,
        operation: 'create',
        Customer: { DisplayName: `${prefix} ${i}` },
      }));
    expect((await api('POST', 'batch', { BatchItemRequest: items(30, 'ok') })).status).toBe(200);
    const tooMany = await api('POST', 'batch', { BatchItemRequest: items(31, 'no') });
    expect(tooMany.status).toBe(400);
    expect(firstError(tooMany.json).Detail).toContain('31');
    expect(emulator.entities(emulator.realmId, 'Customer')).toHaveLength(38);
  });

  it('limits requestid+bId to 50 characters per item and never replays a batch', async () => {
    const { api, emulator } = emulatorWithToken();
    const rid = 'b'.repeat(32);
    const result = await api(
      'POST',
      'batch',
      {
        BatchItemRequest: [
          { bId: 'short', operation: 'create', Customer: { DisplayName: 'Fits' } },
          { bId: 'x'.repeat(36), operation: 'create', Customer: { DisplayName: 'Too long' } },
        ],
      },
      { requestid: rid },
    );
    const items = result.json.BatchItemResponse as Json[];
    expect(items[0]?.Customer).toBeDefined();
    expect(firstError(items[1] as Json)).toMatchObject({ code: '6000' });
    expect(String(firstError(items[1] as Json).Detail)).toContain('68 characters');
    const repeat = await api(
      'POST',
      'batch',
      { BatchItemRequest: [{ bId: 'short', operation: 'create', Customer: { DisplayName: 'Fits' } }] },
      { requestid: rid },
    );
    expect(firstError((repeat.json.BatchItemResponse as Json[])[0] as Json).code).toBe('6000');
    expect(
      emulator.entities(emulator.realmId, 'Customer').filter((c) => c.DisplayName === 'Fits'),
    ).toHaveLength(1);
  });

  it('can shuffle the response order so clients must match by bId', async () => {
    const { api } = emulatorWithToken({ shuffleBatch: true, randomSeed: 11 });
    const request = Array.from({ length: 12 }, (_, i) => ({
      bId: `q${i}`,
      Query: `select * from Item where Id = '${(i % 6) + 1}'`,
    }));
    const items = (await api('POST', 'batch', { BatchItemRequest: request })).json
      .BatchItemResponse as Json[];
    expect(items.map((i) => i.bId)).not.toEqual(request.map((r) => r.bId));
    for (const item of items) {
      const index = Number(String(item.bId).slice(1));
      expect(((item.QueryResponse as Json).Item as Json[])[0]?.Id).toBe(String((index % 6) + 1));
    }
  });
});
