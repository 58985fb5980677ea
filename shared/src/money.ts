/**
 * Money is integer cents everywhere in qb-bridge; decimals exist only at the edges (QBO JSON, sheet cells).
 * Parsing works on the decimal text so 0.1 + 0.2 style float errors never reach an amount.
 */
export type Cents = number;

/** An amount or a total outside what qb-bridge can hold exactly (±2^53 cents, about ±90 trillion). */
export class MoneyRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyRangeError';
  }
}

const safeRangeText = 'about ±90,071,992,547,409.91';

/**
 * The largest single amount qb-bridge reads: one hundred billion. Far beyond any real invoice or account,
 * and small enough that a total of up to 900 such amounts (a whole P&L) is still exact in plain numbers,
 * so code that adds parsed amounts with `+` cannot come out a cent off.
 */
export const maxAmountCents = 10_000_000_000_000;
const maxAmountText = '100,000,000,000.00';

/**
 * The integer part as written: plain digits, or digits grouped in threes by commas ("1,234,567").
 * Anything else ("1,2,3", "12,34") is a typo we must not guess at, so it is refused, not read as 123.
 */
function integerDigits(text: string): string | undefined {
  if (/^\d*$/.test(text)) return text;
  if (/^\d{1,3}(,\d{3})+$/.test(text)) return text.replace(/,/g, '');
  return undefined;
}

/**
 * Parses "1,234.5", "-12", "$3.07", "-$3.07" or a number into cents; throws on anything with more than
 * 2 decimals, on malformed digit grouping, and on amounts past the exact range of a JavaScript number.
 */
export function toCents(value: string | number): Cents {
  // "$-3.07" and "-$3.07" both mean minus three dollars seven.
  const text = typeof value === 'number' ? numberText(value) : value.trim().replace(/^\$(?=[+-])/, '');
  const match = /^([+-]?)\$?([\d,]*)(?:\.(\d{0,2}))?$/.exec(text);
  const digits = match ? integerDigits(match[2]!) : undefined;
  if (!match || digits === undefined || (digits === '' && (match[3] ?? '') === '')) {
    throw new Error(`"${value}" is not an amount with at most two decimals (digits grouped as 1,234.56)`);
  }
  const cents = BigInt(digits || '0') * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  if (cents > BigInt(maxAmountCents)) {
    throw new MoneyRangeError(
      `"${value}" is too large an amount: qb-bridge reads at most ${maxAmountText} so that totals stay exact`,
    );
  }
  const result = Number(cents);
  return match[1] === '-' && result !== 0 ? -result : result;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not an amount`);
  // Numbers from JSON like 100.1 print exactly as written; round away float noise beyond 6 places first.
  return String(Math.round(value * 1e6) / 1e6);
}

/**
 * The exact sum of amounts in cents. Each addend is checked and the total computed on BigInt, so a sum
 * past ±2^53 cents is refused with a sentence instead of coming out a cent off.
 */
export function sumCents(amounts: Iterable<Cents>, what = 'the total'): Cents {
  let total = 0n;
  for (const amount of amounts) {
    if (!Number.isSafeInteger(amount)) {
      throw new MoneyRangeError(`${amount} is not a whole number of cents within ${safeRangeText}`);
    }
    total += BigInt(amount);
  }
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (total > max || total < -max) {
    throw new MoneyRangeError(
      `${what} (${formatBigCents(total)}) is beyond what qb-bridge can add exactly (${safeRangeText}); ` +
        'check the amounts for a misplaced digit',
    );
  }
  return Number(total);
}

/** a + b in cents, exactly or not at all (see sumCents). */
export function addCents(a: Cents, b: Cents, what?: string): Cents {
  return sumCents([a, b], what);
}

function formatBigCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Cents as the decimal number QBO expects (100.5 for 10050). */
export function centsToDecimal(cents: Cents): number {
  return cents / 100;
}

/** Cents as fixed two-decimal text: "-12.30". */
export function formatCents(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Line amount = round half up(quantity × unit price) in cents, computed on scaled integers so QBO's
 * "Amount = Qty × UnitPrice" check (fault 6070) always agrees with us.
 */
export function lineAmountCents(quantity: string | number, unitPriceCents: Cents): Cents {
  // Whole quantities (mailboxes, seats) need no rounding: an integer product below 2^53 is exact. This skips
  // the text and BigInt work on the common path (a month of Zimbra invoices prices 10,000 lines twice).
  if (
    typeof quantity === 'number' &&
    Number.isSafeInteger(quantity) &&
    Number.isSafeInteger(unitPriceCents)
  ) {
    const product = quantity * unitPriceCents;
    if (Number.isSafeInteger(product)) return product === 0 ? 0 : product;
  }
  const text = typeof quantity === 'number' ? numberText(quantity) : quantity.trim();
  const match = /^([+-]?)(\d*)(?:\.(\d{0,6}))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === ''))
    throw new Error(`"${quantity}" is not a quantity`);
  const decimals = (match[3] ?? '').length;
  const scaled = BigInt((match[2] || '0') + (match[3] ?? '')) * BigInt(unitPriceCents);
  const divisor = 10n ** BigInt(decimals);
  const negative = (match[1] === '-') !== scaled < 0n;
  const abs = scaled < 0n ? -scaled : scaled;
  const rounded = (abs * 2n + divisor) / (divisor * 2n);
  if (rounded > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MoneyRangeError(
      `${quantity} × ${formatCents(unitPriceCents)} is beyond what qb-bridge can hold exactly (${safeRangeText})`,
    );
  }
  const result = Number(rounded);
  return negative && result !== 0 ? -result : result;
}
