import { afterEach, describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import { createOnce } from '../../gateway/src/qbo/exactly-once/write-once';
import {
  customerId,
  type Harness,
  invoicePayload,
  invoicesWithDocNumber,
  itemId,
  startHarness,
} from './helpers';

/**
 * A write lost to a 5xx is looked up, then resent after an exponential backoff with jitter (2 s, 4 s, …
 * Intuit time, half fixed and half random), not at once. The client here runs at time scale 10, so the
 * first wait is 100–200 ms and the second 200–400 ms of real time: long enough to measure.
 */
const scale = 10;

describe('resends back off after 5xx', () => {
  let h: Harness;
  afterEach(async () => h.close());

  /** Lets the first `failures` writes to `path` be answered 5xx by the emulator; records when each left. */
  function failingWrites(path: string, failures: number) {
    const sentAt: number[] = [];
    const requestIds: Array<string | null> = [];
    const fetcher: typeof fetch = (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (init?.method === 'POST' && url.pathname.endsWith(path)) {
        sentAt.push(performance.now());
        requestIds.push(url.searchParams.get('requestid'));
        if (sentAt.length <= failures) h.emulator.faults.nextFaults.push('503');
      }
      return fetch(input, init);
    };
    return { fetcher, sentAt, requestIds };
  }

  it('a create facing two 5xx in a row is resent with growing waits and created exactly once', async () => {
    const writes = failingWrites('/invoice', 2);
    h = await startHarness({ client: { fetch: writes.fetcher, timeScale: scale } });
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const outcome = await createOnce(h.client, h.ledger, {
      key: 'backoff:1',
      entity: 'Invoice',
      payload: invoicePayload(customer, item, 'BO-1'),
      lookup: { docNumber: 'BO-1' },
    });
    expect(outcome).toMatchObject({ state: 'created', adopted: false });
    expect(invoicesWithDocNumber(h.emulator, h.realm, 'BO-1')).toBe(1);
    expect(writes.sentAt).toHaveLength(3);
    expect(new Set(writes.requestIds).size).toBe(1);
    const [first, second, third] = writes.sentAt as [number, number, number];
    // Backoff ≥ half of 2 s / 10, then ≥ half of 4 s / 10; the lookup in between only adds to each gap.
    expect(second - first).toBeGreaterThanOrEqual(95);
    // Unscaled, the first wait alone would be at least 1,000 ms; the lookup may take a while on a busy machine.
    expect(second - first).toBeLessThan(900);
    expect(third - second).toBeGreaterThanOrEqual(195);
  });

  it('createMany waits before resending the items of a batch answered 5xx, and creates each once', async () => {
    const writes = failingWrites('/batch', 1);
    const creates: number[] = [];
    const fetcher: typeof fetch = (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (init?.method === 'POST' && url.pathname.endsWith('/invoice')) creates.push(performance.now());
      return writes.fetcher(input, init);
    };
    h = await startHarness({ client: { fetch: fetcher, timeScale: scale } });
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const outcomes = await createMany(
      h.client,
      h.ledger,
      Array.from({ length: 5 }, (_, i) => ({
        key: `backoff:many:${i}`,
        entity: 'Invoice' as const,
        payload: invoicePayload(customer, item, `BM-${i}`),
        lookup: { docNumber: `BM-${i}` },
      })),
    );
    expect(outcomes.every((o) => o.state === 'created')).toBe(true);
    for (let i = 0; i < 5; i++) expect(invoicesWithDocNumber(h.emulator, h.realm, `BM-${i}`)).toBe(1);
    const failedAt = writes.sentAt[0]!;
    // Whether the resends go alone or in a batch, none leaves before the first backoff (≥ 100 ms).
    const resends = [...writes.sentAt.slice(1), ...creates];
    expect(resends.length).toBeGreaterThan(0);
    expect(Math.min(...resends) - failedAt).toBeGreaterThanOrEqual(95);
  });
});
