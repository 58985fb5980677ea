/**
 * High-water marks (seed-systems.md §1.4): for one calendar month, the largest account count each
 * (domain, CoS) reached in any snapshot dated in that month, with the date it first reached it. Pure.
 * Snapshots from the neighbouring weeks (fetched so reconciliation sees what is coming) never count.
 */

export interface UsageSample {
  reportDate: string;
  domain: string;
  cos: string;
  count: number;
}

export interface HighWater {
  domain: string;
  cos: string;
  highwater: number;
  /** The first in-month snapshot date that reached the high-water mark. */
  peakDate: string;
  /** Every in-month snapshot of this pair, by date (a date the pair is missing from counts as absent). */
  samples: Array<{ date: string; count: number }>;
}

export interface Period {
  year: number;
  month: number;
}

export function periodKey(period: Period): string {
  return `${period.year}-${String(period.month).padStart(2, '0')}`;
}

/** `[first day, first day of next month)` as ISO dates. */
export function monthRange(period: Period): { from: string; to: string } {
  const next =
    period.month === 12 ? { year: period.year + 1, month: 1 } : { ...period, month: period.month + 1 };
  return { from: `${periodKey(period)}-01`, to: `${periodKey(next)}-01` };
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * The dates whose reports a month's run fetches: a week either side of the month, as the seed did (the
 * previous month's last snapshot and the next month's first), so `[from, to)`.
 */
export function fetchWindow(period: Period): { from: string; to: string } {
  const { from, to } = monthRange(period);
  return { from: addDays(from, -7), to: addDays(to, 7) };
}

export function inMonth(date: string, period: Period): boolean {
  const { from, to } = monthRange(period);
  return date >= from && date < to;
}

export function computeHighWater(samples: Iterable<UsageSample>, period: Period): HighWater[] {
  const byPair = new Map<string, HighWater>();
  for (const sample of samples) {
    if (!inMonth(sample.reportDate, period)) continue;
    const key = `${sample.domain}\u0000${sample.cos}`;
    let entry = byPair.get(key);
    if (!entry) {
      entry = { domain: sample.domain, cos: sample.cos, highwater: -1, peakDate: '', samples: [] };
      byPair.set(key, entry);
    }
    const existing = entry.samples.find((s) => s.date === sample.reportDate);
    if (existing) existing.count = Math.max(existing.count, sample.count);
    else entry.samples.push({ date: sample.reportDate, count: sample.count });
  }
  const result: HighWater[] = [];
  for (const entry of byPair.values()) {
    entry.samples.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    for (const s of entry.samples) {
      if (s.count > entry.highwater) {
        entry.highwater = s.count;
        entry.peakDate = s.date;
      }
    }
    result.push(entry);
  }
  return result.sort((a, b) =>
    a.domain === b.domain ? (a.cos < b.cos ? -1 : a.cos > b.cos ? 1 : 0) : a.domain < b.domain ? -1 : 1,
  );
}

/** The previous calendar month of `now` (the default billing period). */
export function previousMonth(now: Date): Period {
  const month = now.getUTCMonth(); // 0-based: this is last month's 1-based number
  return month === 0 ? { year: now.getUTCFullYear() - 1, month: 12 } : { year: now.getUTCFullYear(), month };
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function monthName(period: Period): string {
  return `${monthNames[period.month - 1]} ${period.year}`;
}
