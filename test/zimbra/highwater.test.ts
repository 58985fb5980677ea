import { describe, expect, it } from 'vitest';
import {
  computeHighWater,
  fetchWindow,
  monthName,
  monthRange,
  previousMonth,
} from '../../gateway/src/zimbra/report/highwater';

const s = (reportDate: string, domain: string, cos: string, count: number) => ({
  reportDate,
  domain,
  cos,
  count,
});

describe('computeHighWater', () => {
  it('takes the max over in-month snapshots and keeps the first peak date', () => {
    const result = computeHighWater(
      [
        s('2025-09-28', 'a.com', 'std', 99), // previous month: fetched, never billed
        s('2025-10-07', 'a.com', 'std', 10),
        s('2025-10-14', 'a.com', 'std', 12),
        s('2025-10-21', 'a.com', 'std', 12),
        s('2025-10-28', 'a.com', 'std', 11),
        s('2025-11-07', 'a.com', 'std', 50), // next month
        s('2025-10-14', 'a.com', 'pro', 0),
      ],
      { year: 2025, month: 10 },
    );
    expect(result).toEqual([
      {
        domain: 'a.com',
        cos: 'pro',
        highwater: 0,
        peakDate: '2025-10-14',
        samples: [{ date: '2025-10-14', count: 0 }],
      },
      {
        domain: 'a.com',
        cos: 'std',
        highwater: 12,
        peakDate: '2025-10-14',
        samples: [
          { date: '2025-10-07', count: 10 },
          { date: '2025-10-14', count: 12 },
          { date: '2025-10-21', count: 12 },
          { date: '2025-10-28', count: 11 },
        ],
      },
    ]);
  });

  it('is independent of input order, and merges two samples of one date by max', () => {
    const a = computeHighWater(
      [s('2025-10-21', 'b.com', 'x', 3), s('2025-10-07', 'b.com', 'x', 3), s('2025-10-07', 'b.com', 'x', 1)],
      {
        year: 2025,
        month: 10,
      },
    );
    expect(a[0]?.peakDate).toBe('2025-10-07');
    expect(a[0]?.samples).toEqual([
      { date: '2025-10-07', count: 3 },
      { date: '2025-10-21', count: 3 },
    ]);
  });

  it('handles December → January and the fetch window', () => {
    expect(monthRange({ year: 2025, month: 12 })).toEqual({ from: '2025-12-01', to: '2026-01-01' });
    expect(fetchWindow({ year: 2025, month: 12 })).toEqual({ from: '2025-11-24', to: '2026-01-08' });
    expect(fetchWindow({ year: 2024, month: 3 })).toEqual({ from: '2024-02-23', to: '2024-04-08' });
    expect(previousMonth(new Date('2026-01-02T02:00:00Z'))).toEqual({ year: 2025, month: 12 });
    expect(previousMonth(new Date('2025-11-01T02:00:00Z'))).toEqual({ year: 2025, month: 10 });
    expect(monthName({ year: 2025, month: 10 })).toBe('October 2025');
  });

  it('returns nothing for a month without snapshots', () => {
    expect(computeHighWater([s('2025-09-07', 'a.com', 'x', 1)], { year: 2025, month: 10 })).toEqual([]);
  });
});
