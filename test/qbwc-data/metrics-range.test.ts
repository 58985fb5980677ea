import { describe, expect, it } from 'vitest';
import {
  expenseMetrics,
  revenueMetrics,
  withCalculatedMetrics,
} from '../../gateway/src/qbwc/metrics/metrics';
import { MoneyRangeError } from '../../shared/src/money';

/** Issue 15 #7: totals past 2^53 cents are refused with a sentence, never one cent off. */
function mappedWith(revenueCents: number[]): Parameters<typeof withCalculatedMetrics>[0] {
  const mapped = Object.fromEntries(
    [...revenueMetrics, ...expenseMetrics, 'uncategorized_expenses'].map((k) => [k, 0]),
  ) as Parameters<typeof withCalculatedMetrics>[0];
  revenueCents.forEach((cents, i) => {
    const key = revenueMetrics[i % revenueMetrics.length]!;
    mapped[key] += cents;
  });
  return mapped;
}

describe('QBR totals at the edge of exact arithmetic', () => {
  it('adds large but safe amounts to the cent', () => {
    const values = withCalculatedMetrics(mappedWith([4_000_000_000_000_001, 4_000_000_000_000_002]));
    expect(values.total_revenue).toBe(8_000_000_000_000_003);
    expect(values.net_profit).toBe(8_000_000_000_000_003);
  });

  it('refuses a total past 2^53 cents with a sentence instead of rounding it', () => {
    const cents = 9_007_199_254_740_991; // 90,071,992,547,409.91, three times: the example
    const mapped = mappedWith([0, 0, 0]);
    const [a, b, c] = revenueMetrics;
    mapped[a!] = cents;
    mapped[b!] = cents;
    mapped[c!] = cents;
    expect(() => withCalculatedMetrics(mapped)).toThrow(MoneyRangeError);
    expect(() => withCalculatedMetrics(mapped)).toThrow(
      /total_revenue .* is beyond what qb-bridge can add exactly/,
    );
  });
});
