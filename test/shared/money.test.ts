import { describe, expect, it } from 'vitest';
import {
  addCents,
  formatCents,
  lineAmountCents,
  MoneyRangeError,
  maxAmountCents,
  sumCents,
  toCents,
} from '../../shared/src/money';

const maxSafe = Number.MAX_SAFE_INTEGER; // 90,071,992,547,409.91 in cents

describe('toCents', () => {
  it('reads the usual ways of writing an amount', () => {
    expect(toCents('1,234.5')).toBe(123_450);
    expect(toCents('1,234,567.89')).toBe(123_456_789);
    expect(toCents('-12')).toBe(-1_200);
    expect(toCents('$3.07')).toBe(307);
    expect(toCents('-$3.07')).toBe(-307);
    expect(toCents('$-3.07')).toBe(-307);
    expect(toCents(' .5 ')).toBe(50);
    expect(toCents(100.1)).toBe(10_010);
    expect(toCents('-0.00')).toBe(0);
  });

  it('refuses digit grouping that is not in threes instead of reading "1,2,3" as 123.00', () => {
    for (const text of ['1,2,3', '12,34', '1,23', ',123', '123,', '1,,234', '1234,567', '1 234']) {
      expect(() => toCents(text), text).toThrow(/is not an amount with at most two decimals/);
    }
  });

  it('reads up to one hundred billion and refuses one cent more with a sentence', () => {
    expect(toCents('100,000,000,000.00')).toBe(maxAmountCents);
    expect(toCents('-100000000000')).toBe(-maxAmountCents);
    expect(() => toCents('100,000,000,000.01')).toThrow(MoneyRangeError);
    expect(() => toCents('100,000,000,000.01')).toThrow(
      '"100,000,000,000.01" is too large an amount: qb-bridge reads at most 100,000,000,000.00 so that totals stay exact',
    );
    // The account: 2^53 - 1 cents would make three of them add up one cent off.
    expect(() => toCents('90,071,992,547,409.91')).toThrow(MoneyRangeError);
    expect(() => toCents(1e20)).toThrow(MoneyRangeError);
  });

  it('keeps a total of 900 of the largest amounts exact with plain addition', () => {
    let total = 0;
    for (let i = 0; i < 900; i++) total += toCents('100,000,000,000.00');
    expect(Number.isSafeInteger(total)).toBe(true);
    expect(total).toBe(900 * maxAmountCents);
  });
});

describe('sumCents', () => {
  it('adds exactly inside the safe range', () => {
    expect(sumCents([maxSafe, -maxSafe, 1])).toBe(1);
    expect(sumCents([])).toBe(0);
    expect(addCents(maxSafe - 1, 1)).toBe(maxSafe);
    // Floats go wrong here: maxSafe + 2 - 2 is one off in plain Number arithmetic, not on this path.
    expect(sumCents([maxSafe - 2, 2, -2])).toBe(maxSafe - 2);
  });

  it('refuses three amounts of 90,071,992,547,409.91 cents instead of a total one cent off', () => {
    const account = maxSafe;
    expect(() => sumCents([account, account, account], 'total revenue')).toThrow(MoneyRangeError);
    expect(() => sumCents([account, account, account], 'total revenue')).toThrow(
      'total revenue (270215977642229.73) is beyond what qb-bridge can add exactly',
    );
    expect(() => sumCents([-account, -1])).toThrow(/\(-90071992547409\.92\) is beyond/);
    expect(() => addCents(maxSafe, 1)).toThrow(MoneyRangeError);
  });

  it('refuses addends that are not whole cents', () => {
    expect(() => sumCents([1.5])).toThrow(/not a whole number of cents/);
    expect(() => sumCents([maxSafe + 2])).toThrow(MoneyRangeError);
  });
});

describe('edges the mutation run found untested', () => {
  it('refuses empty and sign-only amounts, non-finite numbers and trailing junk after groups', () => {
    for (const text of ['', '.', '-', '$', '-.', '1,2345', '1,234x', '12.345']) {
      expect(() => toCents(text), JSON.stringify(text)).toThrow(/is not an amount with at most two decimals/);
    }
    expect(() => toCents(Number.NaN)).toThrow('NaN is not an amount');
    expect(() => toCents(Number.POSITIVE_INFINITY)).toThrow('Infinity is not an amount');
  });

  it('names its error and says which total and what to check', () => {
    const error = (() => {
      try {
        sumCents([maxSafe, 10]);
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.name).toBe('MoneyRangeError');
    expect(error?.message).toBe(
      'the total (90071992547410.01) is beyond what qb-bridge can add exactly (about ±90,071,992,547,409.91); check the amounts for a misplaced digit',
    );
    expect(sumCents([-maxSafe])).toBe(-maxSafe);
    expect(sumCents([maxSafe])).toBe(maxSafe);
  });

  it('formats zero without a sign and trims quantities', () => {
    expect(formatCents(0)).toBe('0.00');
    expect(lineAmountCents(' 2 ', 100)).toBe(200);
    for (const bad of ['.', 'x2', '2x', '', '1.1234567']) {
      expect(() => lineAmountCents(bad, 100), bad).toThrow(/is not a quantity/);
    }
  });
});

describe('lineAmountCents', () => {
  it('keeps the sign of a negative unit price (a discount line stays negative)', () => {
    expect(lineAmountCents(2, -500)).toBe(-1_000);
    expect(lineAmountCents('1.5', -333)).toBe(-500);
    expect(lineAmountCents('-2', -500)).toBe(1_000);
    expect(lineAmountCents('-2', 500)).toBe(-1_000);
    expect(lineAmountCents('3', 0)).toBe(0);
  });

  it('rounds half up on the scaled integers', () => {
    expect(lineAmountCents('0.5', 1)).toBe(1);
    expect(lineAmountCents('0.49', 1)).toBe(0);
    expect(lineAmountCents('1.333333', 300)).toBe(400);
  });

  it('refuses a product past the exact range', () => {
    expect(() => lineAmountCents('1000', maxSafe)).toThrow(MoneyRangeError);
    expect(() => lineAmountCents(1000, maxSafe)).toThrow(MoneyRangeError);
  });

  it('gives whole numeric quantities the same cents as their text (the fast path), never -0', () => {
    for (const [quantity, price] of [
      [7, 450],
      [40, 1_575],
      [0, -500],
      [-3, 0],
      [123_456, 99_999],
    ] as const) {
      expect(lineAmountCents(quantity, price), `${quantity} × ${price}`).toBe(
        lineAmountCents(String(quantity), price),
      );
    }
    expect(Object.is(lineAmountCents(-3, 0), 0)).toBe(true);
  });

  it('formats cents back to two decimals', () => {
    expect(formatCents(-1_230)).toBe('-12.30');
    expect(formatCents(5)).toBe('0.05');
  });
});
