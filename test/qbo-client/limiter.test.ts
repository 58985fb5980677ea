import { describe, expect, it } from 'vitest';
import { batchCeilingPerMinute, bucketShape, RateLimiter } from '../../gateway/src/qbo/limits/limiter';
import { maxInWindow, virtualClock } from '../helpers/virtual-clock';

describe('rate limiter', () => {
  it('splits each limit into steady rate and burst that never exceed it together', () => {
    expect(bucketShape(500, 0.95)).toEqual({ steady: 475, burst: 25 });
    expect(bucketShape(40, 0.95)).toEqual({ steady: 38, burst: 2 });
    expect(bucketShape(10, 0.95)).toEqual({ steady: 9, burst: 1 });
    expect(bucketShape(40, 1)).toEqual({ steady: 39, burst: 1 });
    expect(batchCeilingPerMinute()).toBe(1200);
  });

  it('never admits more than the published limits in any sliding window', async () => {
    const clock = virtualClock();
    const realm = new RateLimiter({ clock }).forRealm('1');
    const requests: number[] = [];
    const batches: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const kind = i % 3 === 0 ? 'batch' : 'request';
      const release = await realm.acquire(kind);
      (kind === 'batch' ? batches : requests).push(clock.t);
      release();
    }
    const all = [...requests, ...batches].sort((a, b) => a - b);
    expect(maxInWindow(all, 60_000)).toBeLessThanOrEqual(500);
    expect(maxInWindow(all, 1_000)).toBeLessThanOrEqual(10);
    expect(maxInWindow(batches, 60_000)).toBeLessThanOrEqual(40);
    // …and still uses most of the budget: 500 batches at 38/min take about 13 simulated minutes.
    expect(batches.at(-1)! / 60_000).toBeLessThan(14);
  });

  it('holds concurrency to the limit until a slot is released', async () => {
    const clock = virtualClock();
    const realm = new RateLimiter({ clock, limits: { maxConcurrent: 2 } }).forRealm('1');
    const first = await realm.acquire();
    await realm.acquire();
    let third = false;
    const pending = realm.acquire().then((release) => {
      third = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false);
    first();
    (await pending)();
    expect(third).toBe(true);
  });

  it('pauses the whole realm after a 429 and scales windows by timeScale', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ clock, timeScale: 60 });
    const realm = limiter.forRealm('1');
    (await realm.acquire())();
    realm.pause(1_000);
    (await realm.acquire())();
    expect(clock.t).toBeGreaterThanOrEqual(1_000);
    // Another realm has its own queue and is not paused.
    const other = limiter.forRealm('2');
    const before = clock.t;
    (await other.acquire())();
    expect(clock.t).toBe(before);
  });
});
