import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../gateway/src/sandbox/emulator';
import { apiClient, emulatorWithToken, firstError } from './helpers';

type Json = Record<string, unknown>;
const invoiceBody = (amount = 10) => ({
  CustomerRef: { value: '1' },
  Line: [
    { Amount: amount, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } },
  ],
});

describe('emulator rate limits (scaled time)', () => {
  it('allows 10 calls per second per realm, then throttles until the scaled second has passed', async () => {
    let now = 5_000_000;
    const { api, emulator } = emulatorWithToken({ timeScale: 60, now: () => now });
    for (let i = 0; i < 10; i++) expect((await api('GET', 'customer/1')).status).toBe(200);
    const throttled = await api('GET', 'customer/1');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('content-type')).toBe('application/xml');
    expect(throttled.text).toContain('<Error code="3001">');
    now += Math.ceil(1000 / 60);
    expect((await api('GET', 'customer/1')).status).toBe(200);
    expect(emulator.stats()).toMatchObject({ throttled: 1, requests: 12 });
    expect(emulator.stats().byPath['GET /customer']).toBe(12);
  });

  it('allows 500 calls per scaled minute, counting batch calls, and 40 batch calls per minute', async () => {
    let now = 9_000_000;
    const { api } = emulatorWithToken({
      timeScale: 60,
      now: () => now,
      limits: { perSecond: 10_000, concurrent: 10_000 },
    });
    const batch = { BatchItemRequest: [{ bId: 'q', Query: 'select COUNT(*) from Item' }] };
    for (let i = 0; i < 40; i++) expect((await api('POST', 'batch', batch)).status).toBe(200);
    expect((await api('POST', 'batch', batch)).status).toBe(429);
    for (let i = 0; i < 460; i++) expect((await api('GET', 'item/1')).status).toBe(200);
    expect((await api('GET', 'item/1')).status).toBe(429);
    now += 1000; // one scaled minute
    expect((await api('GET', 'item/1')).status).toBe(200);
    expect((await api('POST', 'batch', batch)).status).toBe(200);
  });

  it('throttles calls beyond 10 in flight, and can answer 403 like older QBO', async () => {
    const { api, emulator } = emulatorWithToken({ throttleStatus: 403, limits: { perSecond: 100 } });
    emulator.faults.latencyMs = 150;
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => api('GET', 'customer/2').then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 403)).toHaveLength(2);
  });

  it('keeps limits per realm', async () => {
    const emulator = createEmulator({ limits: { perSecond: 1 }, timeScale: 0.01 });
    const other = emulator.issueTokens('123145');
    const mine = apiClient(emulator, () => emulator.issueTokens().access_token);
    expect((await mine('GET', 'customer/1')).status).toBe(200);
    expect((await mine('GET', 'customer/1')).status).toBe(429);
    const response = await emulator.fetch('http://emulator.test/v3/company/123145/customer/1', {
      headers: { authorization: `Bearer ${other.access_token}` },
    });
    expect(response.status).toBe(200);
    const crossRealm = await emulator.fetch(
      `http://emulator.test/v3/company/${emulator.realmId}/customer/1`,
      {
        headers: { authorization: `Bearer ${other.access_token}` },
      },
    );
    expect(crossRealm.status).toBe(403);
  });
});

describe('emulator minorversion', () => {
  it('rejects retired minor versions and treats a missing one as 75', async () => {
    const { emulator, tokens } = emulatorWithToken();
    const call = async (suffix: string) => {
      const response = await emulator.fetch(
        `http://emulator.test/v3/company/${emulator.realmId}/item/1${suffix}`,
        {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        },
      );
      return { status: response.status, json: (await response.json()) as Json };
    };
    const old = await call('?minorversion=65');
    expect(old.status).toBe(400);
    expect(old.json.Fault).toMatchObject({ type: 'ValidationFault' });
    expect(String(firstError(old.json).Detail)).toContain('minor versions 1-74 were retired');
    expect((await call('?minorversion=abc')).status).toBe(400);
    expect((await call('')).status).toBe(200);
    expect((await call('?minorversion=75')).status).toBe(200);
  });
});

describe('emulator fault injection', () => {
  it('answers queued 500, 503 and 413 without committing anything', async () => {
    const { api, emulator } = emulatorWithToken();
    emulator.faults.nextFaults.push('500', '503', '413');
    const system = await api('POST', 'invoice', invoiceBody());
    expect(system.status).toBe(500);
    expect(firstError(system.json)).toMatchObject({ code: '10000' });
    const unavailable = await api('POST', 'invoice', invoiceBody());
    expect(unavailable.status).toBe(503);
    const tooLarge = await api('POST', 'batch', { BatchItemRequest: [] });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.text).toContain('413 Request Entity Too Large');
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(0);
    expect((await api('POST', 'invoice', invoiceBody())).status).toBe(200);
  });

  it('batch-item-system-fault: the first committed batch item is answered 10000 SystemFault, yet it exists', async () => {
    const { api, emulator } = emulatorWithToken();
    emulator.faults.nextFaults.push('batch-item-system-fault');
    // A single write does not consume a batch-only fault.
    expect((await api('POST', 'invoice', invoiceBody(1))).status).toBe(200);
    const bad = { CustomerRef: { value: '1' }, Line: [] };
    const answer = await api('POST', 'batch', {
      BatchItemRequest: [
        { bId: 'q', Query: 'select COUNT(*) from Invoice' },
        { bId: 'bad', operation: 'create', Invoice: { ...bad, Line: 'x' } },
        { bId: 'a', operation: 'create', Invoice: invoiceBody(2) },
        { bId: 'b', operation: 'create', Invoice: invoiceBody(3) },
      ],
    });
    expect(answer.status).toBe(200);
    const items = new Map(
      (answer.json.BatchItemResponse as Json[]).map((item) => [String(item.bId), item] as const),
    );
    expect(items.get('q')?.QueryResponse).toBeDefined();
    expect(firstError(items.get('bad')!).code).not.toBe('10000');
    expect(items.get('a')?.Invoice).toBeUndefined();
    expect(items.get('a')?.Fault).toMatchObject({ type: 'SystemFault' });
    expect(firstError(items.get('a')!)).toMatchObject({ code: '10000' });
    expect(items.get('b')).toMatchObject({ Invoice: { TotalAmt: 3 } });
    const amounts = emulator.entities(emulator.realmId, 'Invoice').map((i) => i.TotalAmt);
    expect(amounts.sort()).toEqual([1, 2, 3]);
    // Consumed: the next batch is answered normally.
    const next = await api('POST', 'batch', {
      BatchItemRequest: [{ bId: 'c', operation: 'create', Invoice: invoiceBody(4) }],
    });
    expect(next.json.BatchItemResponse).toMatchObject([{ bId: 'c', Invoice: { TotalAmt: 4 } }]);
  });

  it('drop-after-commit (in-process): fetch rejects like a network error, the invoice exists, a retry replays it', async () => {
    const { api, emulator } = emulatorWithToken();
    emulator.faults.nextFaults.push('drop-after-commit');
    // A read does not consume a write-only fault.
    expect((await api('GET', 'customer/1')).status).toBe(200);
    const failure = await api('POST', 'invoice', invoiceBody(42), { requestid: 'write-1' }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe('fetch failed');
    const stored = emulator.entities(emulator.realmId, 'Invoice');
    expect(stored).toHaveLength(1);
    const retry = await api('POST', 'invoice', invoiceBody(42), { requestid: 'write-1' });
    expect((retry.json.Invoice as Json).Id).toBe(stored[0]?.Id);
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(1);
  });

  it('drop-after-commit (server): the socket dies after the commit', async () => {
    const { emulator, tokens } = emulatorWithToken();
    const server = await emulator.listen(0);
    try {
      emulator.faults.dropAfterCommitRate = 1;
      const failure = await fetch(`${server.url}/v3/company/${emulator.realmId}/customer?minorversion=75`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ DisplayName: 'Committed Then Dropped' }),
      }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TypeError);
      const names = emulator.entities(emulator.realmId, 'Customer').map((c) => c.DisplayName);
      expect(names).toContain('Committed Then Dropped');
      const read = await fetch(`${server.url}/v3/company/${emulator.realmId}/customer/1`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(read.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('timeout: commits, then holds the answer until the scaled 120 s server timeout or the client aborts', async () => {
    const { api, emulator } = emulatorWithToken({ timeScale: 2400 });
    emulator.faults.nextFaults.push('timeout');
    const late = await api('POST', 'invoice', invoiceBody(1));
    expect(late.status).toBe(504);
    expect(emulator.entities(emulator.realmId, 'Invoice')).toHaveLength(1);

    const slow = emulatorWithToken({ timeScale: 1 });
    slow.emulator.faults.nextFaults.push('timeout');
    const aborted = await slow.emulator
      .fetch(`http://emulator.test/v3/company/${slow.emulator.realmId}/invoice`, {
        method: 'POST',
        headers: { authorization: `Bearer ${slow.tokens.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify(invoiceBody(2)),
        signal: AbortSignal.timeout(50),
      })
      .catch((e: unknown) => e);
    expect((aborted as Error).name).toBe('TimeoutError');
    expect(slow.emulator.entities(slow.emulator.realmId, 'Invoice')).toHaveLength(1);
  });

  it('random error rates are reproducible with a seed', async () => {
    const run = async () => {
      const { api, emulator } = emulatorWithToken({ randomSeed: 99, limits: { perSecond: 1000 } });
      emulator.faults.errorRate = 0.3;
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await api('GET', 'item/1')).status);
      return statuses;
    };
    const first = await run();
    const failures = first.filter((s) => s >= 500);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThan(40);
    expect(new Set(failures).size).toBeGreaterThan(1);
    expect(await run()).toEqual(first);
  });

  it('reset() clears every fault knob', () => {
    const emulator = createEmulator();
    emulator.faults.latencyMs = 10;
    emulator.faults.errorRate = 1;
    emulator.faults.nextFaults.push('500');
    emulator.faults.reset();
    expect(emulator.faults).toMatchObject({
      latencyMs: 0,
      errorRate: 0,
      dropAfterCommitRate: 0,
      nextFaults: [],
    });
  });
});
