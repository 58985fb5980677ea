import crypto from 'node:crypto';
import type { Db } from '../store/database';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  flow: string;
  scope: string;
  state: JobState;
  dryRun: boolean;
  total: number | null;
  done: number;
  failed: number;
  startedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  summary: Record<string, unknown> | null;
  error: string | null;
}

interface JobRow {
  id: string;
  flow: string;
  scope: string;
  state: JobState;
  dry_run: number;
  total: number | null;
  done: number;
  failed: number;
  started_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  summary: string | null;
  error: string | null;
}

/** A second start of the same flow and scope while one is active; carries the running job's id. */
export class JobAlreadyRunningError extends Error {
  constructor(readonly job: Job) {
    super(`A ${job.flow} job${job.scope ? ` for ${job.scope}` : ''} is already running (job ${job.id})`);
    this.name = 'JobAlreadyRunningError';
  }
}

function fromRow(row: JobRow): Job {
  return {
    id: row.id,
    flow: row.flow,
    scope: row.scope,
    state: row.state,
    dryRun: row.dry_run === 1,
    total: row.total,
    done: row.done,
    failed: row.failed,
    startedBy: row.started_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as Record<string, unknown>),
    error: row.error,
  };
}

export interface StartJob {
  flow: string;
  scope?: string;
  startedBy: string;
  total?: number;
  dryRun?: boolean;
}

/**
 * The one model of a long run, shared by every flow. A running job whose heartbeat is older than
 * `staleAfterMs` belonged to a process that died; starting the same flow again marks it failed first.
 */
export class JobStore {
  constructor(
    private readonly db: Db,
    private readonly staleAfterMs = 10 * 60_000,
  ) {}

  start(input: StartJob): Job {
    const scope = input.scope ?? '';
    return this.db.transaction(() => {
      this.reapStale(input.flow, scope);
      const active = this.active(input.flow, scope);
      if (active) throw new JobAlreadyRunningError(active);
      const now = new Date().toISOString();
      const id = crypto.randomUUID();
      this.db
        .prepare(
          `INSERT INTO jobs (id, flow, scope, state, dry_run, total, started_by, created_at, started_at, heartbeat_at)
           VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.flow,
          scope,
          input.dryRun ? 1 : 0,
          input.total ?? null,
          input.startedBy,
          now,
          now,
          now,
        );
      return this.get(id)!;
    })();
  }

  /** Records progress; also the heartbeat that tells other processes this job is alive. */
  progress(id: string, counts: { done?: number; failed?: number; total?: number }): void {
    this.db
      .prepare(
        `UPDATE jobs SET done = COALESCE(@done, done), failed = COALESCE(@failed, failed),
         total = COALESCE(@total, total), heartbeat_at = @now WHERE id = @id AND state = 'running'`,
      )
      .run({
        id,
        done: counts.done ?? null,
        failed: counts.failed ?? null,
        total: counts.total ?? null,
        now: new Date().toISOString(),
      });
  }

  finish(id: string, summary: Record<string, unknown>): Job {
    return this.close(id, 'done', summary, null);
  }

  fail(id: string, error: string, summary: Record<string, unknown> | null = null): Job {
    return this.close(id, 'failed', summary, error);
  }

  /** Ends a job nobody will continue; `reason` says why (a user, a newer run replacing it, an expiry). */
  cancel(id: string, reason = 'cancelled by user', summary: Record<string, unknown> | null = null): Job {
    return this.close(id, 'cancelled', summary, reason);
  }

  get(id: string): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && fromRow(row);
  }

  active(flow: string, scope = ''): Job | undefined {
    const row = this.db
      .prepare(`SELECT * FROM jobs WHERE flow = ? AND scope = ? AND state IN ('queued', 'running')`)
      .get(flow, scope) as JobRow | undefined;
    return row && fromRow(row);
  }

  list(options: { flow?: string; limit?: number } = {}): Job[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM jobs WHERE (@flow IS NULL OR flow = @flow) ORDER BY created_at DESC LIMIT @limit',
      )
      .all({ flow: options.flow ?? null, limit: options.limit ?? 50 }) as JobRow[];
    return rows.map(fromRow);
  }

  private close(
    id: string,
    state: JobState,
    summary: Record<string, unknown> | null,
    error: string | null,
  ): Job {
    this.db
      .prepare(
        `UPDATE jobs SET state = ?, summary = COALESCE(?, summary), error = ?, finished_at = ?
         WHERE id = ? AND state IN ('queued', 'running')`,
      )
      .run(state, summary === null ? null : JSON.stringify(summary), error, new Date().toISOString(), id);
    const job = this.get(id);
    if (!job) throw new Error(`No job ${id}`);
    return job;
  }

  private reapStale(flow: string, scope: string): void {
    const cutoff = new Date(Date.now() - this.staleAfterMs).toISOString();
    this.db
      .prepare(
        `UPDATE jobs SET state = 'failed', finished_at = ?, error = 'the process running this job stopped (no heartbeat)'
         WHERE flow = ? AND scope = ? AND state IN ('queued', 'running') AND heartbeat_at < ?`,
      )
      .run(new Date().toISOString(), flow, scope, cutoff);
  }
}
