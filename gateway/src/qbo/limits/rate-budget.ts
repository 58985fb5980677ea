import type { RateLimits } from './rate-limits';

/**
 * The bucket arithmetic of limiter.ts, shared by the in-process budget and the one kept in the store
 * (shared-budget.ts), so both admit exactly the same traffic.
 */

/** Steady rate and burst for one limit, such that burst + rate × window never exceeds the limit. */
export function bucketShape(limit: number, headroom: number): { steady: number; burst: number } {
  if (limit <= 1) return { steady: 1, burst: 1 };
  const steady = Math.max(1, Math.min(limit - 1, Math.floor(limit * headroom)));
  return { steady, burst: limit - steady };
}

/** One bucket's shape: at most `capacity` tokens, refilled at `perMs` tokens per millisecond. */
export interface BucketShape {
  capacity: number;
  perMs: number;
}

export function shapeOf(limit: number, windowMs: number, headroom: number): BucketShape {
  const { steady, burst } = bucketShape(limit, headroom);
  return { capacity: burst, perMs: steady / windowMs };
}

/** Tokens after `elapsedMs`; time running backwards (a clock step) refills nothing rather than draining. */
export function refilled(shape: BucketShape, tokens: number, elapsedMs: number): number {
  return Math.min(shape.capacity, tokens + Math.max(0, elapsedMs) * shape.perMs);
}

/** Milliseconds until one token is available (0 = now). */
export function waitForToken(shape: BucketShape, tokens: number): number {
  // A hair of tolerance so float rounding cannot leave us one ulp short forever.
  return tokens >= 1 - 1e-9 ? 0 : (1 - tokens) / shape.perMs;
}

/** The three buckets of one realm (requests/min, requests/s, batches/min) for these settings. */
export interface BudgetShapes {
  minute: BucketShape;
  second: BucketShape;
  batches: BucketShape;
}

export function budgetShapes(limits: RateLimits, headroom: number, timeScale: number): BudgetShapes {
  return {
    minute: shapeOf(limits.requestsPerMinute, 60_000 / timeScale, headroom),
    second: shapeOf(limits.requestsPerSecond, 1_000 / timeScale, headroom),
    batches: shapeOf(limits.batchesPerMinute, 60_000 / timeScale, headroom),
  };
}

export type RequestKind = 'request' | 'batch';

/**
 * Where a realm's budget is kept: in this process, or in the store for every process. `reserve` takes one
 * token from each bucket the call counts against and answers 0, or takes nothing and answers how many
 * milliseconds to wait (a pause in force, or the time until the emptiest bucket has a token again).
 */
export interface RealmBudget {
  reserve(kind: RequestKind): number;
  /** Nobody is admitted until `ms` from now; extends, never shortens, a pause already in force. */
  pause(ms: number): void;
}
