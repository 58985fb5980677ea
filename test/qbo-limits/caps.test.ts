import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { QboError } from '../../gateway/src/qbo/http/errors';
import { decideRetry, defaultRetryPolicy, type RetryPolicy } from '../../gateway/src/qbo/http/retry';
import { budgetShapes } from '../../gateway/src/qbo/limits/rate-budget';
import { defaultHeadroom, intuitLimits } from '../../gateway/src/qbo/limits/rate-limits';
import { SharedBudget } from '../../gateway/src/qbo/limits/shared-budget';
import { testContext } from '../helpers/context';

/** Survivors of `npm run mutate` on retry.ts and shared-budget.ts: each test below kills one or more. */

const policy: RetryPolicy = { ...defaultRetryPolicy, timeScale: 1 };
const throttled = () => new QboError({ status: 429 });
const serverError = () => new QboError({ status: 503 });

describe('retry caps', () => {
  it('waits out exactly maxThrottleWaits throttles, not one more', () => {
    const state = (throttles: number) => ({
      kind: 'write' as const,
      failures: 0,
      throttles,
      refreshed: false,
    });
    expect(decideRetry(throttled(), state(policy.maxThrottleWaits - 1), policy).action).toBe('throttle');
    expect(decideRetry(throttled(), state(policy.maxThrottleWaits), policy)).toEqual({ action: 'fail' });
  });

  it('backs a read off exactly maxAttempts times, not one more', () => {
    const state = (failures: number) => ({ kind: 'read' as const, failures, throttles: 0, refreshed: false });
    expect(decideRetry(serverError(), state(policy.maxAttempts - 1), policy).action).toBe('backoff');
    expect(decideRetry(serverError(), state(policy.maxAttempts), policy)).toEqual({ action: 'fail' });
  });

  it('divides the throttle pause by the emulator time scale', () => {
    const fast = { ...policy, timeScale: 60 };
    expect(
      decideRetry(throttled(), { kind: 'read', failures: 0, throttles: 0, refreshed: false }, fast, () => 0),
    ).toEqual({ action: 'throttle', waitMs: 1_000 });
  });
});

const opened: AppContext[] = [];
afterEach(() => {
  for (const ctx of opened.splice(0)) ctx.close();
});

function budget(clock: { now: number }) {
  const ctx = testContext();
  opened.push(ctx);
  return new SharedBudget(ctx.db, budgetShapes(intuitLimits, defaultHeadroom, 1), () => clock.now).forRealm(
    '9130357000000003',
  );
}

describe('shared budget buckets', () => {
  it('a reservation spends a token: a second request in the same millisecond waits', () => {
    const clock = { now: 10_000_000 };
    const realm = budget(clock);
    expect(realm.reserve('request')).toBe(0);
    expect(realm.reserve('request')).toBeGreaterThan(100);
  });

  it('plain requests do not wait for the batch bucket', () => {
    const clock = { now: 20_000_000 };
    const realm = budget(clock);
    // Empty the batch bucket (two batches of burst), then make requests as the per-second bucket allows.
    for (let i = 0; i < 2; i++) {
      expect(realm.reserve('batch')).toBe(0);
      clock.now += 200;
    }
    expect(realm.reserve('batch')).toBeGreaterThan(1_000);
    expect(realm.reserve('request')).toBe(0);
  });

  it('is open again the millisecond a pause ends, and spends a token then', () => {
    const clock = { now: 30_000_000 };
    const realm = budget(clock);
    realm.pause(5_000);
    clock.now += 5_000;
    expect(realm.reserve('request')).toBe(0);
    expect(realm.reserve('request')).toBeGreaterThan(0);
  });
});
