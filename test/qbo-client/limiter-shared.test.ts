import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { type Clock, RateLimiter, type RealmLimiter } from '../../gateway/src/qbo/limits/limiter';
import { tempDir, testContext } from '../helpers/context';
import { maxInWindow, virtualClock } from '../helpers/virtual-clock';

/** A wall-clock-like start: the shared budget stores times as epoch milliseconds. */
const wallStart = 1_700_000_000_000;

import { startHarness } from './helpers';

/**
 * Two contexts on one DATA_DIR are two connections to one store file, exactly what `qb-bridge serve` and a
 * CLI command in another process have. A virtual clock (shared by both, advanced by sleeping) replaces the
 * wall clock so a simulated quarter of an hour runs in well under a second.
 */
const opened: AppContext[] = [];
afterEach(() => {
  for (const ctx of opened.splice(0)) ctx.close();
});

/** Two "processes" (own connection, own limiter) on one store, both on the same virtual clock. */
function twoProcesses(clock: Clock & { t: number }, shareStore = true): [RealmLimiter, RealmLimiter] {
  const dir = tempDir();
  const limiters = [0, 1].map(() => {
    const ctx = testContext({ DATA_DIR: dir });
    opened.push(ctx);
    return new RateLimiter({
      clock,
      wallNow: () => clock.t,
      db: shareStore ? ctx.db : undefined,
    }).forRealm('9341453000000000');
  });
  return [limiters[0]!, limiters[1]!];
}

/** Alternates the two limiters, as two busy processes would, and records every admission's time. */
async function hammer(limiters: RealmLimiter[], clock: Clock & { t: number }, count: number) {
  const requests: number[] = [];
  const batches: number[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 3 === 0 ? 'batch' : 'request';
    const release = await limiters[i % limiters.length]!.acquire(kind);
    (kind === 'batch' ? batches : requests).push(clock.t);
    release();
  }
  return { all: [...requests, ...batches].sort((a, b) => a - b), batches };
}

describe('rate limiter shared through the store', () => {
  it('keeps two processes together inside the per-minute, per-second and batch limits', async () => {
    const clock = virtualClock(wallStart);
    const start = clock.t;
    const { all, batches } = await hammer(twoProcesses(clock), clock, 1500);
    expect(maxInWindow(all, 60_000)).toBeLessThanOrEqual(500);
    expect(maxInWindow(all, 1_000)).toBeLessThanOrEqual(10);
    expect(maxInWindow(batches, 60_000)).toBeLessThanOrEqual(40);
    // …and together they still use most of the budget: 500 batches at 38/min take about 13 minutes.
    expect((batches.at(-1)! - start) / 60_000).toBeLessThan(14);
  });

  it('would let two processes with their own budgets exceed the limits (why the store is needed)', async () => {
    // In-process budgets run on a monotonic clock that starts near zero, as performance.now() does.
    const clock = virtualClock(0);
    const { all, batches } = await hammer(twoProcesses(clock, false), clock, 1500);
    expect(maxInWindow(batches, 60_000)).toBeGreaterThan(40);
    expect(all.length).toBe(1500);
  });

  it('makes every process honour a 429 pause that one of them saw', async () => {
    const clock = virtualClock(wallStart);
    const [serve, cli] = twoProcesses(clock);
    (await cli.acquire())();
    serve.pause(60_000);
    const before = clock.t;
    (await cli.acquire())();
    expect(clock.t - before).toBeGreaterThanOrEqual(60_000);
    expect(clock.t - before).toBeLessThan(61_000);
  });

  it('keeps concurrency per process: a slot held in one process does not block the other', async () => {
    const clock = virtualClock(wallStart);
    const dir = tempDir();
    const [a, b] = [0, 1].map(() => {
      const ctx = testContext({ DATA_DIR: dir });
      opened.push(ctx);
      return new RateLimiter({
        clock,
        wallNow: () => clock.t,
        db: ctx.db,
        limits: { maxConcurrent: 1 },
      }).forRealm('1');
    });
    const held = await a!.acquire();
    const other = await Promise.race([
      b!.acquire().then(() => 'admitted'),
      new Promise((resolve) => setTimeout(() => resolve('blocked'), 50)),
    ]);
    expect(other).toBe('admitted');
    held();
  });
});

describe('items per batch', () => {
  it('refuses a batch of more than 30 items before spending a call on it', async () => {
    const h = await startHarness();
    try {
      const items = Array.from({ length: 31 }, (_, i) => ({
        bId: `q${i}`,
        query: 'select * from Customer',
      }));
      await expect(h.client.batch(items)).rejects.toThrow(/at most 30 items; got 31/);
      expect(h.urls).toEqual([]);
      // 30 is fine.
      expect(await h.client.batch(items.slice(0, 30))).toHaveLength(30);
    } finally {
      await h.close();
    }
  });
});
