import type { QboError } from './errors';

/**
 * When to try again and how long to wait (qbo-api.md §2.3). Pure: the client feeds in the error and the
 * attempt count and gets a decision, so the policy is unit-tested without a server.
 *
 * - Throttling pauses the realm for `Retry-After` (if Intuit ever sends it) or 60 s, plus up to 10% jitter
 *   so parallel processes do not return in lock-step. The pause does not use up a retry; it is capped
 *   separately so a permanently throttled realm (monthly metering) still ends.
 * - 5xx and network errors on READS back off exponentially from 2 s with jitter, up to `maxAttempts`.
 *   WRITES are never blindly re-sent here: their outcome is unknown, and the ledger resolves it by lookup.
 * - A 401 refreshes the token once and repeats the call (same requestid).
 * - Everything else (validation, bugs, permissions) fails at once.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  throttleWaitMs: number;
  maxThrottleWaits: number;
  /** Divides every wait (emulator time scale). */
  timeScale: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 2_000,
  maxDelayMs: 60_000,
  throttleWaitMs: 60_000,
  maxThrottleWaits: 20,
  timeScale: 1,
};

export type RetryDecision =
  | { action: 'throttle'; waitMs: number }
  | { action: 'refresh' }
  | { action: 'backoff'; waitMs: number }
  | { action: 'fail' };

export interface AttemptState {
  kind: 'read' | 'write';
  /** Failed attempts so far for backoff purposes (throttles and the refresh do not count). */
  failures: number;
  throttles: number;
  refreshed: boolean;
}

/** Exponential with "equal jitter": half the delay fixed, half random, so retries spread but still back off. */
export function backoffDelay(
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return (exp / 2 + random() * (exp / 2)) / policy.timeScale;
}

export function throttleDelay(
  error: QboError,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const base = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : policy.throttleWaitMs;
  return (base * (1 + 0.1 * random())) / policy.timeScale;
}

export function decideRetry(
  error: QboError,
  state: AttemptState,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  if (error.category === 'throttled') {
    return state.throttles < policy.maxThrottleWaits
      ? { action: 'throttle', waitMs: throttleDelay(error, policy, random) }
      : { action: 'fail' };
  }
  if (error.status === 401) return state.refreshed ? { action: 'fail' } : { action: 'refresh' };
  if (error.category === 'retryable' && state.kind === 'read' && state.failures < policy.maxAttempts) {
    return { action: 'backoff', waitMs: backoffDelay(state.failures, policy, random) };
  }
  return { action: 'fail' };
}

/**
 * How long to wait before resending a write whose earlier attempt failed with a 5xx or an unknown outcome
 * (after the lookup found nothing): the same exponential backoff with jitter as reads, scaled with the
 * emulator's time. Resending at once would hit a struggling QuickBooks again in lock-step with every other
 * failed item, and gives a commit that is still becoming visible no time to show up.
 */
export function resendDelay(failures: number, timeScale: number, random: () => number = Math.random): number {
  return backoffDelay(failures, { ...defaultRetryPolicy, timeScale }, random);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
