/**
 * Which months a Web Connector session asks QuickBooks for. Pure: the caller supplies today and the months
 * already stored. The current and previous month are always asked again (postings still change there);
 * older months are asked once, oldest first, a bounded number per session so one update never holds
 * QuickBooks open for long.
 */

export type Period = string; // YYYY-MM

export interface PlanStep {
  kind: 'profit_loss' | 'employees';
  /** The month a P&L covers; for the employee count, the month the headcount is recorded under. */
  period: Period;
}

export const defaultMaxReportsPerSession = 12;

const periodPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: unknown): value is Period {
  return typeof value === 'string' && periodPattern.test(value);
}

export function periodOf(date: Date): Period {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function addMonths(period: Period, months: number): Period {
  const m = periodPattern.exec(period);
  if (!m) throw new Error(`"${period}" is not a month written YYYY-MM`);
  const index = Number(m[1]) * 12 + (Number(m[2]) - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** First and last day of the month, as the report's FromReportDate / ToReportDate. */
export function monthRange(period: Period): { from: string; to: string } {
  const m = periodPattern.exec(period);
  if (!m) throw new Error(`"${period}" is not a month written YYYY-MM`);
  const lastDay = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return { from: `${period}-01`, to: `${period}-${String(lastDay).padStart(2, '0')}` };
}

/** Every month from `from` to `to`, inclusive, in order. */
export function monthsBetween(from: Period, to: Period): Period[] {
  const out: Period[] = [];
  for (let p = from; p <= to; p = addMonths(p, 1)) out.push(p);
  return out;
}

export interface PlanInput {
  today: Date;
  /** QBWC_START_PERIOD; unset means only the current and previous month. */
  startPeriod?: Period | undefined;
  /** Months whose P&L is already stored and final (older than the previous month). */
  completed: ReadonlySet<Period>;
  maxReportsPerSession?: number;
}

/** The months to request, oldest first: the backlog (bounded) then the previous and current month. */
export function pendingPeriods(input: PlanInput): Period[] {
  const current = periodOf(input.today);
  const previous = addMonths(current, -1);
  const max = Math.max(2, input.maxReportsPerSession ?? defaultMaxReportsPerSession);
  const start = input.startPeriod && input.startPeriod < previous ? input.startPeriod : previous;
  const backlog = monthsBetween(start, addMonths(previous, -1)).filter((p) => !input.completed.has(p));
  return [...backlog.slice(0, max - 2), previous, current];
}

/** The whole session: one P&L per pending month, then the employee count for the current month. */
export function planSession(input: PlanInput): PlanStep[] {
  const steps: PlanStep[] = pendingPeriods(input).map((period) => ({ kind: 'profit_loss', period }));
  steps.push({ kind: 'employees', period: periodOf(input.today) });
  return steps;
}
