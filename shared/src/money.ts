/**
 * Money is integer cents everywhere in qb-bridge; decimals exist only at the edges (QBO JSON, sheet cells).
 * Parsing works on the decimal text so 0.1 + 0.2 style float errors never reach an amount.
 */
export type Cents = number;

/** Parses "1,234.5", "-12", "$3.07" or a number into cents; throws on anything with more than 2 decimals. */
export function toCents(value: string | number): Cents {
  const text = typeof value === 'number' ? numberText(value) : value.trim().replace(/[$,\s]/g, '');
  const match = /^([+-]?)(\d*)(?:\.(\d{0,2}))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new Error(`"${value}" is not an amount with at most two decimals`);
  }
  const cents = Number(match[2] || '0') * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) throw new Error(`"${value}" is too large an amount`);
  return match[1] === '-' && cents !== 0 ? -cents : cents;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not an amount`);
  // Numbers from JSON like 100.1 print exactly as written; round away float noise beyond 6 places first.
  return String(Math.round(value * 1e6) / 1e6);
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
  const result = Number(rounded);
  return negative && result !== 0 ? -result : result;
}
