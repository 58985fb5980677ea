/**
 * Time for the emulator: a wall clock (injectable for tests) plus a time scale that shrinks every
 * QuickBooks duration (rate-limit windows, token lifetimes, grace periods) so tests need no real waits.
 */
export interface EmulatorClock {
  now(): number;
  /** Real milliseconds that `seconds` of QuickBooks time last under the time scale. */
  scaledMs(seconds: number): number;
  readonly timeScale: number;
}

export function createClock(timeScale = 1, now: () => number = Date.now): EmulatorClock {
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  return { now, timeScale, scaledMs: (seconds) => (seconds * 1000) / timeScale };
}

/** The demo company keeps Pacific (daylight) time, like Intuit's sandbox companies; fixed to stay deterministic. */
const companyOffsetMinutes = -7 * 60;
const companyOffsetText = '-07:00';

function shifted(ms: number): Date {
  return new Date(ms + companyOffsetMinutes * 60_000);
}

/** `2020-09-29T05:58:07.300-07:00`, the envelope `time` format. */
export function envelopeTime(ms: number): string {
  return `${shifted(ms).toISOString().slice(0, 23)}${companyOffsetText}`;
}

/** `2020-09-29T05:58:07-07:00`, the MetaData timestamp format. */
export function metaTime(ms: number): string {
  return `${shifted(ms).toISOString().slice(0, 19)}${companyOffsetText}`;
}

/** Today's date in the company's time zone, `YYYY-MM-DD`. */
export function companyDate(ms: number): string {
  return shifted(ms).toISOString().slice(0, 10);
}

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
