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
 *
 * Across processes: Intuit counts per realm and app, so `qb-bridge serve` and a CLI command (`sync-customers`)
 * on the same realm share one budget. Given the store (`db`), the buckets and the 429 pause live in one row
 * per realm (`qbo_rate_budget`, see shared-budget.ts), reserved in one short IMMEDIATE transaction per
 * request. Without a store (unit tests, tools) they stay in memory, as before.
 *
 * Concurrency stays per process on purpose: a slot held in the store would need a write to take it and
 * another to give it back, and a process killed mid-request would leak it until some lease expired. Intuit
 * allows 10 concurrent calls per realm; we use 4 per process, so `serve` plus one CLI command stay at 8,
 * and the shared per-second bucket (10/s) caps how fast all processes together can start calls.
 */
import type { Db } from '../../store/database';
import {
  type BudgetShapes,
  budgetShapes,
  type RealmBudget,
  type RequestKind,
  refilled,
  waitForToken,
} from './rate-budget';
import { SharedBudget } from './shared-budget';

export { type BucketShape, bucketShape, type RequestKind } from './rate-budget';

import { defaultHeadroom, intuitLimits, type RateLimits } from './rate-limits';

export { defaultHeadroom, intuitLimits, type RateLimits };

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
  /** The store: when given, the per-minute/per-second/batch budget and 429 pauses are shared by every process. */
  db?: Db;
  /** Wall clock for the shared budget (ms since the epoch; every process must read the same clock). */
  wallNow?: () => number;
}

class MemoryBudget implements RealmBudget {
  private minute: number;
  private second: number;
  private batches: number;
  private last: number;
  private pausedUntil = 0;

  constructor(
    private readonly shapes: BudgetShapes,
    private readonly clock: Clock,
  ) {
    this.minute = shapes.minute.capacity;
    this.second = shapes.second.capacity;
    this.batches = shapes.batches.capacity;
    this.last = clock.now();
  }

  reserve(kind: RequestKind): number {
    const now = this.clock.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    const elapsed = now - this.last;
    this.last = now;
    this.minute = refilled(this.shapes.minute, this.minute, elapsed);
    this.second = refilled(this.shapes.second, this.second, elapsed);
    this.batches = refilled(this.shapes.batches, this.batches, elapsed);
    const wait = Math.max(
      waitForToken(this.shapes.minute, this.minute),
      waitForToken(this.shapes.second, this.second),
      kind === 'batch' ? waitForToken(this.shapes.batches, this.batches) : 0,
    );
    if (wait > 0) return wait;
    this.minute -= 1;
    this.second -= 1;
    if (kind === 'batch') this.batches -= 1;
    return 0;
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }
}

/** One realm's queue: callers are admitted in arrival order. */
export class RealmLimiter {
  private readonly maxConcurrent: number;
  private active = 0;
  private turn: Promise<void> = Promise.resolve();
  private readonly slotWaiters: Array<() => void> = [];
  /** Admissions so far, for stats and tests. */
  admitted = 0;
  pauses = 0;

  constructor(
    readonly limits: RateLimits,
    readonly timeScale: number,
    private readonly budget: RealmBudget,
    private readonly clock: Clock,
  ) {
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
    this.budget.pause(ms);
  }

  private async admit(kind: RequestKind): Promise<void> {
    for (;;) {
      // The slot first: a reservation is spent the moment it is taken, so it must not wait for a slot.
      if (this.active >= this.maxConcurrent) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      const wait = this.budget.reserve(kind);
      if (wait > 0) {
        await this.clock.sleep(wait);
        continue;
      }
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
  /** True when the budget lives in the store and is shared with every other process using it. */
  readonly sharedAcrossProcesses: boolean;
  private readonly clock: Clock;
  private readonly shapes: BudgetShapes;
  private readonly store: SharedBudget | undefined;

  constructor(options: LimiterOptions = {}) {
    this.limits = { ...intuitLimits, ...options.limits };
    this.headroom = options.headroom ?? defaultHeadroom;
    if (!(this.headroom > 0 && this.headroom <= 1)) throw new Error('headroom must be in (0, 1]');
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be positive');
    this.clock = options.clock ?? realClock;
    this.shapes = budgetShapes(this.limits, this.headroom, this.timeScale);
    this.store = options.db ? new SharedBudget(options.db, this.shapes, options.wallNow) : undefined;
    this.sharedAcrossProcesses = this.store !== undefined;
  }

  forRealm(realmId: string): RealmLimiter {
    let limiter = this.realms.get(realmId);
    if (!limiter) {
      const budget = this.store ? this.store.forRealm(realmId) : new MemoryBudget(this.shapes, this.clock);
      limiter = new RealmLimiter(this.limits, this.timeScale, budget, this.clock);
      this.realms.set(realmId, limiter);
    }
    return limiter;
  }
}

const shared = new Map<string, RateLimiter>();
const sharedByStore = new WeakMap<Db, Map<string, RateLimiter>>();

/**
 * The process-wide limiter for these settings: every client of a realm in this process (a sheet job and an
 * MIS run at the same time) draws from the same buckets and concurrency slots; with `db`, the buckets are
 * also shared with other processes on that store. A custom clock always gets its own limiter.
 */
export function sharedRateLimiter(options: LimiterOptions = {}): RateLimiter {
  if (options.clock || options.wallNow) return new RateLimiter(options);
  const key = JSON.stringify({
    limits: { ...intuitLimits, ...options.limits },
    headroom: options.headroom ?? defaultHeadroom,
    timeScale: options.timeScale ?? 1,
  });
  let limiters = shared;
  if (options.db) {
    limiters = sharedByStore.get(options.db) ?? new Map<string, RateLimiter>();
    sharedByStore.set(options.db, limiters);
  }
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter(options);
    limiters.set(key, limiter);
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
