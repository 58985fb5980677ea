/**
 * Keeps every realm inside Intuit's published limits (qbo-api.md §0, §2) so a 429 never happens in normal
 * operation: requests/minute, requests/second, concurrent requests, batch calls/minute (batch calls also
 * count as requests).
 *
 * Why these buckets are shaped the way they are: Intuit does not say whether its windows are fixed or
 * sliding. A token bucket of capacity C refilling at r per window W admits at most C + r·W requests in ANY
 * window of length W, so we choose C + r·W ≤ limit and are safe under either reading. `headroom` is the
 * share of the limit used as the steady rate (r·W = floor(limit × headroom)); the rest is the burst
 * allowance C. With the default 0.95: 475/min + 25 burst, 38 batches/min + 2 burst, 9/s + 1 burst.
 *
 * Why 95% and not the 400/min §2.3 suggests: Intuit's limits are per realm *and app*, so other apps on the
 * company do not draw from our budget; the bulk path is bound by 40 batches/min anyway (475 vs 400 only
 * matters for single calls). The 5% margin absorbs clock and network jitter between us and Intuit's
 * counters. Set `headroom` lower (e.g. 0.8 ≈ 400/min) where a proxy or another process of ours shares the app.
 *
 * `timeScale` shrinks every window (60 → a minute lasts one second) so tests and the benchmark run against
 * an emulator configured with the same scale.
 */

export interface RateLimits {
  requestsPerMinute: number;
  requestsPerSecond: number;
  maxConcurrent: number;
  batchesPerMinute: number;
  itemsPerBatch: number;
}

/** Intuit's published numbers; concurrency stays at 4 of the allowed 10 (qbo-api.md §2.3). */
export const intuitLimits: RateLimits = {
  requestsPerMinute: 500,
  requestsPerSecond: 10,
  maxConcurrent: 4,
  batchesPerMinute: 40,
  itemsPerBatch: 30,
};

export const defaultHeadroom = 0.95;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface LimiterOptions {
  limits?: Partial<RateLimits>;
  headroom?: number;
  timeScale?: number;
  clock?: Clock;
}

/** Steady rate and burst for one limit, such that burst + rate × window never exceeds the limit. */
export function bucketShape(limit: number, headroom: number): { steady: number; burst: number } {
  if (limit <= 1) return { steady: 1, burst: 1 };
  const steady = Math.max(1, Math.min(limit - 1, Math.floor(limit * headroom)));
  return { steady, burst: limit - steady };
}

class Bucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(limit: number, windowMs: number, headroom: number, now: number) {
    const { steady, burst } = bucketShape(limit, headroom);
    this.capacity = burst;
    this.perMs = steady / windowMs;
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
  }

  /** Milliseconds until one token is available (0 = now). */
  wait(now: number): number {
    this.refill(now);
    // A hair of tolerance so float rounding cannot leave us one ulp short forever.
    return this.tokens >= 1 - 1e-9 ? 0 : (1 - this.tokens) / this.perMs;
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }
}

export type RequestKind = 'request' | 'batch';

/** One realm's queue: callers are admitted in arrival order. */
export class RealmLimiter {
  private readonly minute: Bucket;
  private readonly second: Bucket;
  private readonly batches: Bucket;
  private readonly maxConcurrent: number;
  private active = 0;
  private pausedUntil = 0;
  private turn: Promise<void> = Promise.resolve();
  private readonly slotWaiters: Array<() => void> = [];
  /** Admissions so far, for stats and tests. */
  admitted = 0;
  pauses = 0;

  constructor(
    readonly limits: RateLimits,
    headroom: number,
    readonly timeScale: number,
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    this.minute = new Bucket(limits.requestsPerMinute, 60_000 / timeScale, headroom, now);
    this.second = new Bucket(limits.requestsPerSecond, 1_000 / timeScale, headroom, now);
    this.batches = new Bucket(limits.batchesPerMinute, 60_000 / timeScale, headroom, now);
    this.maxConcurrent = Math.max(1, limits.maxConcurrent);
  }

  /** Waits for permission to send one request; call the returned function when its response has arrived. */
  async acquire(kind: RequestKind = 'request'): Promise<() => void> {
    const mine = this.turn.then(() => this.admit(kind));
    this.turn = mine.catch(() => undefined);
    await mine;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.slotWaiters.shift()?.();
    };
  }

  /** Stops admitting anyone until `ms` from now (a 429 was seen); extends, never shortens, a pause. */
  pause(ms: number): void {
    this.pauses += 1;
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  private async admit(kind: RequestKind): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now);
        continue;
      }
      if (this.active >= this.maxConcurrent) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      const wait = Math.max(
        this.minute.wait(now),
        this.second.wait(now),
        kind === 'batch' ? this.batches.wait(now) : 0,
      );
      if (wait > 0) {
        await this.clock.sleep(wait);
        continue;
      }
      this.minute.take(now);
      this.second.take(now);
      if (kind === 'batch') this.batches.take(now);
      this.active += 1;
      this.admitted += 1;
      return;
    }
  }
}

/** One limiter per realm, shared by every client of that realm in this process. */
export class RateLimiter {
  private readonly realms = new Map<string, RealmLimiter>();
  readonly limits: RateLimits;
  readonly headroom: number;
  readonly timeScale: number;
  private readonly clock: Clock;

  constructor(options: LimiterOptions = {}) {
    this.limits = { ...intuitLimits, ...options.limits };
    this.headroom = options.headroom ?? defaultHeadroom;
    if (!(this.headroom > 0 && this.headroom <= 1)) throw new Error('headroom must be in (0, 1]');
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be positive');
    this.clock = options.clock ?? realClock;
  }

  forRealm(realmId: string): RealmLimiter {
    let limiter = this.realms.get(realmId);
    if (!limiter) {
      limiter = new RealmLimiter(this.limits, this.headroom, this.timeScale, this.clock);
      this.realms.set(realmId, limiter);
    }
    return limiter;
  }
}

const shared = new Map<string, RateLimiter>();

/**
 * The process-wide limiter for these settings: every client of a realm in this process (a sheet job and an
 * MIS run at the same time) draws from the same buckets. A custom clock always gets its own limiter.
 */
export function sharedRateLimiter(options: LimiterOptions = {}): RateLimiter {
  if (options.clock) return new RateLimiter(options);
  const key = JSON.stringify({
    limits: { ...intuitLimits, ...options.limits },
    headroom: options.headroom ?? defaultHeadroom,
    timeScale: options.timeScale ?? 1,
  });
  let limiter = shared.get(key);
  if (!limiter) {
    limiter = new RateLimiter(options);
    shared.set(key, limiter);
  }
  return limiter;
}

/**
 * The most entities per (real, unscaled) minute the limits allow through the batch endpoint:
 * min(batches/min, requests/min) × items per batch. With Intuit's numbers: min(40, 500) × 30 = 1200.
 */
export function batchCeilingPerMinute(limits: RateLimits = intuitLimits): number {
  return Math.min(limits.batchesPerMinute, limits.requestsPerMinute) * limits.itemsPerBatch;
}
