/**
 * Each Web Connector session that has work is a job (flow `qbwc`, design.md "Jobs"), so `GET /api/jobs`
 * and the dashboard show it like any other long run. The job mirrors the session's work state
 * (`qbwc_work_state`): it starts when the plan is saved (total = requests planned), its counts move with the
 * cursor and the failed responses, and it closes when the work is finished: done after a complete session,
 * failed after closeConnection/connectionError with an error, cancelled when the session was superseded by
 * a newer login or expired. `HistoryStore` calls this from the work-state writes, inside the same
 * transactions, so the job never disagrees with the work state and the SOAP shell needs no hook.
 *
 * Scope is the Web Connector user: one running qbwc job per user, as the shell allows one working session
 * per user (a second login gets `busy`).
 */
import { JobAlreadyRunningError, JobStore } from '../../jobs/jobs';
import type { Db } from '../../store/database';

export const qbwcJobFlow = 'qbwc';

export interface QbwcJobSummary extends Record<string, unknown> {
  sessionId: number;
  /** Months whose Profit & Loss was read and turned into metrics in this session. */
  periodsProcessed: string[];
  /** Monthly metric rows this session's responses wrote (and still hold) in `qbr_metrics_monthly`. */
  metricsWritten: number;
  /** Accounts no mapping took, across the session's months (each counted once). */
  unmappedCount: number;
  /** The headcount read in this session, when it got that far. */
  employees: number | null;
}

interface SessionFacts {
  username: string;
  status: string;
  lastError: string | null;
}

export class QbwcSessionJobs {
  private readonly jobs: JobStore;

  constructor(private readonly db: Db) {
    this.jobs = new JobStore(db);
  }

  /** The plan was saved: start the session's job (none when there is nothing to do, the "none" answer). */
  planned(sessionId: number, requests: number): void {
    const existing = this.jobIdOf(sessionId);
    if (existing && this.jobs.get(existing)?.state === 'running') {
      // The same session planned again: its cursor went back to 0.
      this.jobs.progress(existing, { total: requests, done: 0, failed: 0 });
      return;
    }
    this.setJobId(sessionId, null);
    if (requests === 0) return;
    const session = this.session(sessionId);
    const start = () =>
      this.jobs.start({
        flow: qbwcJobFlow,
        scope: session?.username ?? '',
        startedBy: session?.username ?? 'qbwc',
        total: requests,
      });
    let job: ReturnType<JobStore['start']>;
    try {
      job = start();
    } catch (error) {
      if (!(error instanceof JobAlreadyRunningError)) throw error;
      // A job left running by a session that is over (the process stopped between closing the session and
      // closing its job); the shell already let this login in, so that session is not working any more.
      this.closeOrphan(error.job.id);
      job = start();
    }
    this.setJobId(sessionId, job.id);
  }

  /** A response was consumed or refused: done = requests answered, failed = responses that were errors. */
  progressed(sessionId: number, cursor: number): void {
    const id = this.jobIdOf(sessionId);
    if (!id) return;
    this.jobs.progress(id, { done: cursor, failed: this.failedResponses(sessionId) });
  }

  /** The session ended; the session row already says how (closeConnection, connectionError, expiry). */
  finished(sessionId: number, outcome: string): void {
    const id = this.jobIdOf(sessionId);
    if (!id) return;
    this.progressed(sessionId, this.cursorOf(sessionId));
    const summary = this.summary(sessionId);
    const session = this.session(sessionId);
    if (outcome === 'completed') {
      this.jobs.finish(id, summary);
    } else if (session?.status === 'expired') {
      // Superseded by a newer login or expired: nobody will continue it, but nothing went wrong in it either.
      this.jobs.cancel(
        id,
        session.lastError ?? 'replaced by a newer Web Connector login, or expired',
        summary,
      );
    } else {
      this.jobs.fail(
        id,
        session?.lastError ?? 'The Web Connector session ended before it finished.',
        summary,
      );
    }
  }

  summary(sessionId: number): QbwcJobSummary {
    const rows = this.db
      .prepare(
        `SELECT sync_type AS syncType, period, outcome, parsed_data AS parsedData
         FROM qbwc_sync_history WHERE session_id = ? ORDER BY id`,
      )
      .all(sessionId) as Array<{ syncType: string; period: string; outcome: string; parsedData: string }>;
    const metricsWritten = this.db
      .prepare(
        `SELECT COUNT(*) FROM qbr_metrics_monthly m JOIN qbwc_sync_history h ON h.id = m.history_id
         WHERE h.session_id = ?`,
      )
      .pluck()
      .get(sessionId) as number;
    const periods = new Set<string>();
    const unmapped = new Set<string>();
    let largestUnmappedCount = 0;
    let employees: number | null = null;
    for (const row of rows) {
      if (row.outcome === 'error') continue;
      const parsed = JSON.parse(row.parsedData) as {
        unmapped?: Array<{ account?: unknown }>;
        unmapped_count?: unknown;
        employee_count?: unknown;
      };
      if (row.syncType === 'employees') {
        if (typeof parsed.employee_count === 'number') employees = parsed.employee_count;
        continue;
      }
      periods.add(row.period);
      for (const u of parsed.unmapped ?? []) if (typeof u.account === 'string') unmapped.add(u.account);
      // The per-month list is capped (interpret.ts); the count is not.
      if (typeof parsed.unmapped_count === 'number') {
        largestUnmappedCount = Math.max(largestUnmappedCount, parsed.unmapped_count);
      }
    }
    return {
      sessionId,
      periodsProcessed: [...periods].sort(),
      metricsWritten,
      unmappedCount: Math.max(unmapped.size, largestUnmappedCount),
      employees,
    };
  }

  private closeOrphan(jobId: string): void {
    const sessionId = this.db
      .prepare('SELECT session_id FROM qbwc_work_state WHERE job_id = ?')
      .pluck()
      .get(jobId) as number | undefined;
    const session = sessionId === undefined ? undefined : this.session(sessionId);
    if (session?.status === 'expired' || session === undefined) {
      this.jobs.cancel(
        jobId,
        session?.lastError ?? 'the Web Connector session expired or was replaced before it finished',
        sessionId === undefined ? null : this.summary(sessionId),
      );
    } else {
      this.jobs.fail(
        jobId,
        session.lastError ?? `The Web Connector session ended ${session.status} without closing its job.`,
        sessionId === undefined ? null : this.summary(sessionId),
      );
    }
  }

  private session(sessionId: number): SessionFacts | undefined {
    return this.db
      .prepare('SELECT username, status, last_error AS lastError FROM qbwc_sync_sessions WHERE id = ?')
      .get(sessionId) as SessionFacts | undefined;
  }

  private failedResponses(sessionId: number): number {
    return this.db
      .prepare(`SELECT COUNT(*) FROM qbwc_sync_history WHERE session_id = ? AND outcome = 'error'`)
      .pluck()
      .get(sessionId) as number;
  }

  private cursorOf(sessionId: number): number {
    return (
      (this.db.prepare('SELECT cursor FROM qbwc_work_state WHERE session_id = ?').pluck().get(sessionId) as
        | number
        | undefined) ?? 0
    );
  }

  private jobIdOf(sessionId: number): string | null {
    return (
      (this.db.prepare('SELECT job_id FROM qbwc_work_state WHERE session_id = ?').pluck().get(sessionId) as
        | string
        | null
        | undefined) ?? null
    );
  }

  private setJobId(sessionId: number, jobId: string | null): void {
    this.db.prepare('UPDATE qbwc_work_state SET job_id = ? WHERE session_id = ?').run(jobId, sessionId);
  }
}
