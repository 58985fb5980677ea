/// <reference types="google-apps-script" />
import { describe, expect, it } from 'vitest';
import { misDue, previousMonth, wallClock, zimbraDue } from '../../addon/src/clock/flow-triggers';
import { monthOf } from '../../addon/src/panels/zimbra';
import type { Settings } from '../../addon/src/settings';
import { checkSettingsForm } from '../../addon/src/settings';

/** When the hourly trigger starts MIS and Zimbra work (pure rules; the fires themselves are in flows.test.ts). */
const settings = (over: Partial<Settings>): Settings =>
  ({ misEveryHours: 0, zimbraMonthly: false, zimbraHour: 6, ...over }) as Settings;

const fire = (iso: string) => {
  const d = new Date(iso);
  return wallClock({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    'day-of-month': d.getUTCDate(),
    hour: d.getUTCHours(),
  });
};

describe('the clock rules', () => {
  it('the Zimbra month: only on the 1st, from the chosen hour, once for the previous month', () => {
    const on = settings({ zimbraMonthly: true, zimbraHour: 6 });
    expect(zimbraDue(on, fire('2025-11-01T05:00:00Z'), null)).toBe(false);
    expect(zimbraDue(on, fire('2025-11-01T06:00:00Z'), null)).toBe(true);
    expect(zimbraDue(on, fire('2025-11-01T07:00:00Z'), '2025-10')).toBe(false);
    expect(zimbraDue(on, fire('2025-11-02T06:00:00Z'), null)).toBe(false);
    expect(zimbraDue(settings({}), fire('2025-11-01T06:00:00Z'), null)).toBe(false);
    expect(previousMonth(fire('2026-01-01T06:00:00Z'))).toEqual({ year: 2025, month: 12 });
  });

  it('MIS every N hours, with a few minutes of slack for a trigger firing early', () => {
    const every2 = settings({ misEveryHours: 2 });
    expect(misDue(every2, fire('2025-11-01T04:00:00Z'), null)).toBe(true);
    expect(misDue(every2, fire('2025-11-01T05:00:00Z'), '2025-11-01T04:00:00.000Z')).toBe(false);
    expect(misDue(every2, fire('2025-11-01T06:00:00Z'), '2025-11-01T04:02:00.000Z')).toBe(true);
    expect(misDue(settings({}), fire('2025-11-01T06:00:00Z'), null)).toBe(false);
  });

  it('settings and months from the sidebar are checked', () => {
    expect(checkSettingsForm({ misEveryHours: 3 })).toMatch(/every 1, 2, 4, 6, 8, 12 hours/);
    expect(checkSettingsForm({ zimbraHour: 24 })).toMatch(/0 to 23/);
    expect(checkSettingsForm({ misBatchSize: 0 })).toMatch(/1 to 100/);
    expect(checkSettingsForm({ misEveryHours: 4, zimbraHour: 0, misBatchSize: 100 })).toBeUndefined();
    expect(monthOf(undefined, undefined, new Date('2026-01-15T00:00:00Z'))).toEqual({
      year: 2025,
      month: 12,
    });
    expect(() => monthOf(2025, 13)).toThrow(/Pick a month/);
  });
});
