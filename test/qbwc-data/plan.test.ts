import { describe, expect, it } from 'vitest';
import { monthRange, pendingPeriods, planSession } from '../../gateway/src/qbwc/metrics/plan';

const today = new Date('2025-06-15T08:00:00Z');

describe('session plan', () => {
  it('always asks for the previous and current month, even when stored', () => {
    expect(pendingPeriods({ today, completed: new Set(['2025-05', '2025-06']) })).toEqual([
      '2025-05',
      '2025-06',
    ]);
  });

  it('backfills from QBWC_START_PERIOD, skipping stored months, oldest first', () => {
    expect(
      pendingPeriods({ today, startPeriod: '2025-01', completed: new Set(['2025-02', '2025-04']) }),
    ).toEqual(['2025-01', '2025-03', '2025-05', '2025-06']);
  });

  it('bounds the reports per session and crosses year ends', () => {
    const periods = pendingPeriods({
      today: new Date('2025-01-03T00:00:00Z'),
      startPeriod: '2023-01',
      completed: new Set(),
      maxReportsPerSession: 4,
    });
    expect(periods).toEqual(['2023-01', '2023-02', '2024-12', '2025-01']);
  });

  it('ends with the employee count for the current month', () => {
    const steps = planSession({ today, completed: new Set() });
    expect(steps.at(-1)).toEqual({ kind: 'employees', period: '2025-06' });
    expect(steps).toHaveLength(3);
  });

  it('covers whole months, leap days included', () => {
    expect(monthRange('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(monthRange('2025-12')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
  });
});
