/**
 * Decimal arithmetic for amounts arriving as JSON numbers: QBO allows unit prices and quantities with many
 * decimals, while totals are cents. Everything runs on scaled integers so 0.1 × 3 is exactly 0.30.
 */
export interface Scaled {
  units: bigint;
  scale: number;
}

export function parseDecimal(value: unknown): Scaled | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
    if (/e/i.test(text)) text = value.toFixed(10);
  } else if (typeof value === 'string' && value.trim() !== '') {
    text = value.trim();
  } else {
    return undefined;
  }
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && !match[3])) return undefined;
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const units = BigInt(`${match[2] || '0'}${fraction}`);
  return { units: match[1] === '-' ? -units : units, scale: fraction.length };
}

function roundHalfUp(numerator: bigint, divisor: bigint): bigint {
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const rounded = (abs * 2n + divisor) / (divisor * 2n);
  return negative ? -rounded : rounded;
}

/** The value in cents, half-up rounded; undefined when not a number. */
export function toCentsRounded(value: unknown): number | undefined {
  const parsed = parseDecimal(value);
  if (!parsed) return undefined;
  const cents =
    parsed.scale <= 2
      ? parsed.units * 10n ** BigInt(2 - parsed.scale)
      : roundHalfUp(parsed.units, 10n ** BigInt(parsed.scale - 2));
  return Number(cents);
}

/** round_half_up(qty × unitPrice) in cents — QBO's 6070 rule. */
export function productCents(qty: unknown, unitPrice: unknown): number | undefined {
  const q = parseDecimal(qty);
  const p = parseDecimal(unitPrice);
  if (!q || !p) return undefined;
  const scale = q.scale + p.scale;
  const product = q.units * p.units;
  const cents =
    scale <= 2 ? product * 10n ** BigInt(2 - scale) : roundHalfUp(product, 10n ** BigInt(scale - 2));
  return Number(cents);
}

/** Cents as the JSON number QBO writes (`100.5` for 10050). */
export const centsToNumber = (cents: number) => cents / 100;
