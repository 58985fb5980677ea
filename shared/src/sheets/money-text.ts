import type { Cents } from '../money';

/**
 * Money as people type it into a sheet cell, to integer cents. Accepted: "1234.5", "$1,234.50",
 * "1 234,50"-style is NOT accepted (ambiguous); "(12.00)" and "-12" are negative; a cell holding a number
 * is taken as is. Thousands separators must group by three ("1,2,3" is an error, not 123 — the seed
 * stripped every comma); more than two decimals is an error rather than a silent rounding.
 */
export type MoneyResult = { ok: true; cents: Cents } | { ok: false; error: string };

const grouped = /^\d{1,3}(,\d{3})+$/;
const plain = /^\d+$/;

export function parseMoneyText(value: unknown): MoneyResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, error: `${value} is not an amount` };
    const cents = Math.round(value * 100);
    if (Math.abs(value * 100 - cents) > 1e-6) {
      return { ok: false, error: `${value} has more than two decimals; round it to cents` };
    }
    if (!Number.isSafeInteger(cents)) return { ok: false, error: `${value} is too large an amount` };
    return { ok: true, cents: cents === 0 ? 0 : cents };
  }
  const raw = String(value ?? '').trim();
  if (raw === '') return { ok: false, error: 'the amount is empty' };
  let text = raw;
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1).trim();
  }
  if (text.startsWith('-')) {
    if (negative) return { ok: false, error: `"${raw}" is not an amount` };
    negative = true;
    text = text.slice(1).trim();
  } else if (text.startsWith('+')) {
    text = text.slice(1).trim();
  }
  text = text.replace(/^(USD|US\$|\$)\s*/i, '').replace(/\s*USD$/i, '');
  const match = /^([\d,]*)(?:\.(\d*))?$/.exec(text);
  if (!match) return { ok: false, error: `"${raw}" is not an amount (write it like 1234.50 or $1,234.50)` };
  const whole = match[1] ?? '';
  const fraction = match[2];
  if (whole === '' && (fraction === undefined || fraction === '')) {
    return { ok: false, error: `"${raw}" is not an amount` };
  }
  if (whole !== '' && !plain.test(whole) && !grouped.test(whole)) {
    return {
      ok: false,
      error: `"${raw}" has commas that are not thousands separators; write it like 1,234.50`,
    };
  }
  if (fraction !== undefined && fraction.length > 2) {
    return { ok: false, error: `"${raw}" has more than two decimals; round it to cents` };
  }
  const cents = Number(whole.replace(/,/g, '') || '0') * 100 + Number((fraction ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return { ok: false, error: `"${raw}" is too large an amount` };
  return { ok: true, cents: negative && cents !== 0 ? -cents : cents };
}
