/**
 * The MIS and Zimbra runs the clock starts (opt-in in the settings). Apps Script lets an add-on keep one
 * time-driven trigger per user and document, so this work rides on the add-on's hourly trigger
 * (`runScheduledSync`, see triggers.ts): each fire collects the flow jobs an earlier fire left running,
 * starts what is due — a MIS batch every N hours, the previous Zimbra month on the 1st at the chosen hour
 * (non-interactive: unmapped items are skipped and listed) — and waits for them only until its deadline.
 * A job still running then stays pending for the next fire; every finished run is a `qb_bridge_log` row.
 */
import { GatewayError } from '../gateway';
import { type GatewayJob, isFinished, jobLink, readJob } from '../jobs';
import { misJobCounts, misStart } from '../panels/mis';
import { zimbraJobCounts, zimbraStartMonth } from '../panels/zimbra';
import { prop, type Settings } from '../settings';
import { logRun, type RunLogEntry } from './run-log';

interface Pending {
  flow: 'mis' | 'zimbra';
  jobId: string;
}

/** The fire's wall-clock time: the event's fields (the script's time zone), else now in UTC. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  at: Date;
}

export function wallClock(event: unknown, now = new Date()): WallClock {
  const e = (event ?? {}) as Record<string, unknown>;
  if (typeof e.year === 'number' && typeof e.month === 'number' && typeof e['day-of-month'] === 'number') {
    return {
      year: e.year,
      month: e.month,
      day: e['day-of-month'] as number,
      hour: Number(e.hour ?? 0),
      at: new Date(Date.UTC(e.year, e.month - 1, e['day-of-month'] as number, Number(e.hour ?? 0))),
    };
  }
  return {
    year: now.getUTCFullYear(),
    month: now.getUTCMonth() + 1,
    day: now.getUTCDate(),
    hour: now.getUTCHours(),
    at: now,
  };
}

export function previousMonth(clock: WallClock): { year: number; month: number } {
  return clock.month === 1
    ? { year: clock.year - 1, month: 12 }
    : { year: clock.year, month: clock.month - 1 };
}

const monthKey = (m: { year: number; month: number }) => `${m.year}-${String(m.month).padStart(2, '0')}`;

export function misDue(settings: Settings, clock: WallClock, lastRun: string | null): boolean {
  if (settings.misEveryHours <= 0) return false;
  if (!lastRun) return true;
  // Five minutes' slack: a trigger may fire a little early or late within its hour.
  return clock.at.getTime() - Date.parse(lastRun) >= settings.misEveryHours * 3_600_000 - 300_000;
}

export function zimbraDue(settings: Settings, clock: WallClock, lastMonth: string | null): boolean {
  return (
    settings.zimbraMonthly &&
    clock.day === 1 &&
    clock.hour >= settings.zimbraHour &&
    lastMonth !== monthKey(previousMonth(clock))
  );
}

function readPending(): Pending[] {
  try {
    return JSON.parse(
      PropertiesService.getDocumentProperties().getProperty(prop.pendingFlowJobs) ?? '[]',
    ) as Pending[];
  } catch {
    return [];
  }
}

function outcomeOf(job: GatewayJob): RunLogEntry['outcome'] {
  if (job.state !== 'done') return 'failed';
  const status = (job.summary as { status?: string } | null)?.status;
  if (status === 'partial_success' || job.failed > 0) return 'partial';
  return 'done';
}

function logFinished(settings: Settings, job: GatewayJob, flow: Pending['flow'], clock: WallClock): void {
  logRun(settings, {
    at: clock.at,
    flow,
    outcome: outcomeOf(job),
    counts: flow === 'mis' ? misJobCounts(job) : zimbraJobCounts(job),
    details: job.error ?? `${flow} job ${job.state}${job.scope ? ` (${job.scope})` : ''}`,
    link: jobLink(settings, job.id),
  });
}

function startDue(settings: Settings, clock: WallClock, pending: Pending[]): void {
  const props = PropertiesService.getDocumentProperties();
  const start = (flow: Pending['flow'], begin: () => GatewayJob, scope: string) => {
    try {
      pending.push({ flow, jobId: begin().id });
    } catch (error) {
      const busy = error instanceof GatewayError && error.status === 409;
      logRun(settings, {
        at: clock.at,
        flow,
        outcome: busy ? 'skipped' : 'failed',
        counts: '',
        details: `${scope}: ${(error as Error).message}`,
        link: '',
      });
    }
  };
  if (!pending.some((p) => p.flow === 'mis') && misDue(settings, clock, props.getProperty(prop.lastMisRun))) {
    props.setProperty(prop.lastMisRun, clock.at.toISOString());
    start('mis', () => misStart(settings, settings.misBatchSize, false), 'MIS batch');
  }
  if (zimbraDue(settings, clock, props.getProperty(prop.lastZimbraMonth))) {
    const month = previousMonth(clock);
    props.setProperty(prop.lastZimbraMonth, monthKey(month));
    start('zimbra', () => zimbraStartMonth(settings, month), `Zimbra ${monthKey(month)}`);
  }
}

/** One clock fire's flow work; returns how many jobs are still running when the deadline came. */
export function runDueFlows(settings: Settings, event: unknown, deadline: number): { pending: number } {
  const clock = wallClock(event);
  let pending = readPending();
  startDue(settings, clock, pending);
  let wait = 250;
  for (;;) {
    const still: Pending[] = [];
    for (const p of pending) {
      try {
        const job = readJob(settings, p.jobId);
        if (isFinished(job)) logFinished(settings, job, p.flow, clock);
        else still.push(p);
      } catch (error) {
        // A job the gateway no longer knows (or no longer lets us read) cannot be followed: say so once.
        // Anything else (the gateway down a moment) is tried again next fire.
        if (error instanceof GatewayError && (error.status === 404 || error.status === 403)) {
          logRun(settings, {
            at: clock.at,
            flow: p.flow,
            outcome: 'failed',
            counts: '',
            details: `The ${p.flow} job ${p.jobId} can no longer be followed: ${error.message}`,
            link: jobLink(settings, p.jobId),
          });
        } else still.push(p);
      }
    }
    pending = still;
    PropertiesService.getDocumentProperties().setProperty(prop.pendingFlowJobs, JSON.stringify(pending));
    if (pending.length === 0 || Date.now() + wait > deadline) return { pending: pending.length };
    Utilities.sleep(wait);
    wait = Math.min(wait * 2, 5000);
  }
}
