/**
 * Dates as they arrive from a sheet: ISO text ("2026-03-04", also with a time), US text ("3/4/2026",
 * "3/4/26"), a spreadsheet serial number (days since 1899-12-30, what an unformatted date cell holds), or
 * what the add-on already turned a Date cell into (ISO in the spreadsheet's time zone). The answer is ISO
 * `YYYY-MM-DD`; an impossible date (2026-02-30) is an error, never rolled over.
 */
export type DateResult = { ok: true; date: string } | { ok: false; error: string };

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function checked(year: number, month: number, day: number, raw: string): DateResult {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (
    !Number.isFinite(d.getTime()) ||
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day
  ) {
    return { ok: false, error: `"${raw}" is not a real date` };
  }
  if (year < 1900 || year > 2999) return { ok: false, error: `"${raw}" is outside the years 1900-2999` };
  return { ok: true, date: `${pad(year, 4)}-${pad(month)}-${pad(day)}` };
}

/** Serial day numbers as Sheets counts them (day 0 = 1899-12-30, so 45658 = 2025-01-01). */
export function serialToIso(serial: number): string {
  const ms = Date.UTC(1899, 11, 30) + Math.floor(serial) * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

export function parseSheetDate(value: unknown): DateResult {
  if (typeof value === 'number') {
    // 1900-01-01 .. 2999-12-31 as serials; anything else is a number that is not a date.
    if (!Number.isFinite(value) || value < 2 || value > 401_768) {
      return { ok: false, error: `${value} is not a date` };
    }
    return { ok: true, date: serialToIso(value) };
  }
  const raw = String(value ?? '').trim();
  if (raw === '') return { ok: false, error: 'the date is empty' };
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw);
  if (iso) return checked(Number(iso[1]), Number(iso[2]), Number(iso[3]), raw);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(raw);
  if (us) {
    const yy = Number(us[3]);
    const year = us[3]!.length === 2 ? (yy < 70 ? 2000 + yy : 1900 + yy) : yy;
    return checked(year, Number(us[1]), Number(us[2]), raw);
  }
  if (/^\d+(\.\d+)?$/.test(raw)) return parseSheetDate(Number(raw));
  return {
    ok: false,
    error: `"${raw}" is not a date qb-bridge reads; write it as 2026-03-04 or 3/4/2026`,
  };
}
