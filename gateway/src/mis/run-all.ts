import type { AppContext } from '../app/context';
import type { Job } from '../jobs/jobs';
import { openQbo } from '../qbo/index';
import { claimableIds, countClaimable, workerId } from './claim';
import type { MisDb } from './mis-db';
import {
  type BatchResult,
  claimPolicy,
  type FailedRow,
  failedRows,
  misFlow,
  type RunOptions,
  runBatch,
} from './service';
import type { PageResult, RowError } from './sync-page';

/**
 * `all`: every claimable invoice, batch after batch, several batches in flight, as one job. It walks ids
 * upwards with a cursor, so a row that fails in a run is never taken again by that run: it always ends,
 * and its summary lists what stayed failed and why.
 */

export interface AllOptions extends RunOptions {
  /** Stop after this many batches (the seed's max_batches); default: until nothing is left. */
  maxBatches?: number;
  batchSize?: number;
  /**
   * Batches in flight at once (default 6): while one waits for QuickBooks the next is claimed and read, so
   * the shared rate budget, not MySQL round trips, sets the pace. Each batch is its own claim.
   */
  concurrency?: number;
  onBatch?: (progress: AllProgress) => void;
}

export interface AllProgress {
  batches: number;
  processed: number;
  successful: number;
  failed: number;
  pending: number;
}

export interface AllResult {
  dry_run: boolean;
  batches_processed: number;
  total_processed: number;
  total_successful: number;
  total_failed: number;
  total_pending: number;
  customers_created: number;
  batch_results: Array<{
    batch_number: number;
    result: Pick<PageResult, 'total_processed' | 'successful' | 'failed' | 'pending'>;
  }>;
  /** This run's failures (the first 200; `errors_omitted` counts the rest). */
  errors: RowError[];
  errors_omitted: number;
  /** Every row in status 2 once the run ended (the first 100), with the reason recorded in the MIS. */
  still_failed: { count: number; rows: FailedRow[] };
  stopped_by_max_batches: boolean;
  start_time: string;
  end_time: string;
}

const maxListedErrors = 200;

/**
 * Every claimable invoice, batch after batch, walking ids upwards: ends when a batch finds nothing after
 * the cursor (or at max_batches). Memory stays flat: one page in memory, counters and a capped error list.
 */
export async function runAll(ctx: AppContext, db: MisDb, options: AllOptions = {}): Promise<AllResult> {
  const batchSize = options.batchSize ?? 50;
  const start = new Date().toISOString();
  const qbo = options.dryRun ? undefined : openQbo(ctx);
  const result: AllResult = {
    dry_run: options.dryRun ?? false,
    batches_processed: 0,
    total_processed: 0,
    total_successful: 0,
    total_failed: 0,
    total_pending: 0,
    customers_created: 0,
    batch_results: [],
    errors: [],
    errors_omitted: 0,
    still_failed: { count: 0, rows: [] },
    stopped_by_max_batches: false,
    start_time: start,
    end_time: start,
  };
  // The cursor only moves up: a row that fails in this run (id below it) is never taken again by this run.
  // Claims take turns, so each batch reads the cursor after the previous claim moved it (a claim is one
  // UPDATE and one SELECT; the batches still overlap in everything that takes time).
  let cursor = 0;
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(claim: () => Promise<T>): Promise<T> => {
    const next = turn.then(claim);
    turn = next.catch(() => undefined);
    return next;
  };
  let started = 0;
  const record = (page: PageResult) => {
    result.batches_processed += 1;
    result.total_processed += page.total_processed;
    result.total_successful += page.successful;
    result.total_failed += page.failed;
    result.total_pending += page.pending;
    result.customers_created += page.customers_created;
    result.batch_results.push({
      batch_number: result.batches_processed,
      result: {
        total_processed: page.total_processed,
        successful: page.successful,
        failed: page.failed,
        pending: page.pending,
      },
    });
    for (const error of page.errors) {
      if (result.errors.length < maxListedErrors) result.errors.push(error);
      else result.errors_omitted += 1;
    }
    options.onBatch?.({
      batches: result.batches_processed,
      processed: result.total_processed,
      successful: result.total_successful,
      failed: result.total_failed,
      pending: result.total_pending,
    });
  };
  let stopped = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (stopped) return;
      if (options.maxBatches !== undefined && started >= options.maxBatches) return;
      started += 1;
      let page: BatchResult;
      try {
        page = await runBatch(ctx, db, batchSize, options, {
          afterId: () => cursor,
          inTurn,
          qbo,
          onClaimed: (lastId) => {
            cursor = Math.max(cursor, lastId);
          },
        });
      } catch (error) {
        // One batch lost QuickBooks or the MIS: the others finish their batch and take no new one.
        stopped = true;
        throw error;
      }
      if (page.total_processed === 0) {
        started -= 1;
        return;
      }
      record(page);
    }
  };
  const concurrency = options.dryRun ? 1 : Math.max(1, options.concurrency ?? 6);
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  if (options.maxBatches !== undefined && started >= options.maxBatches) {
    result.stopped_by_max_batches = (await claimableIds(db, claimPolicy(ctx), 1, cursor)).length > 0;
  }
  result.still_failed = await failedRows(db);
  result.end_time = new Date().toISOString();
  return result;
}

/** `all` as a job: the job row carries progress for `status`, the CLI bar and `GET /api/jobs/:id`. */
export async function runAllJob(
  ctx: AppContext,
  db: MisDb,
  job: Job,
  options: AllOptions,
): Promise<AllResult> {
  try {
    const result = await runAll(ctx, db, {
      ...options,
      onBatch: (p) => {
        ctx.jobs.progress(job.id, { done: p.successful, failed: p.failed + p.pending });
        options.onBatch?.(p);
      },
    });
    const { batch_results: _omitted, ...summary } = result;
    ctx.jobs.finish(job.id, { ...summary, batches: result.batch_results.length });
    return result;
  } catch (error) {
    ctx.jobs.fail(job.id, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * A running `all` job whose process on this machine has exited (killed, crashed) is closed at once, so a
 * restart does not wait for the job model's heartbeat timeout to start again.
 */
function reapDeadJob(ctx: AppContext, scope: string): void {
  const active = ctx.jobs.active(misFlow, scope);
  const match = active ? /(\S+)#(\d+)$/.exec(active.startedBy) : null;
  if (!active || !match || match[1] !== workerId().split('#')[0]) return;
  try {
    process.kill(Number(match[2]), 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
      ctx.jobs.fail(active.id, 'the process running this job stopped; its claimed invoices are taken back');
    }
  }
}

/** Starts the job row for `all` (one per MIS database at a time); `total` = what is claimable now. */
export async function startAllJob(
  ctx: AppContext,
  db: MisDb,
  options: AllOptions & { startedBy: string },
): Promise<Job> {
  if (!options.dryRun) openQbo(ctx); // not connected → exit 4 / 400 before a job exists
  reapDeadJob(ctx, db.database);
  const total = await countClaimable(db, claimPolicy(ctx));
  const batchSize = options.batchSize ?? 50;
  const cap = options.maxBatches === undefined ? total : Math.min(total, options.maxBatches * batchSize);
  return ctx.jobs.start({
    flow: misFlow,
    scope: db.database,
    startedBy: `${options.startedBy} ${workerId()}`,
    total: cap,
    dryRun: options.dryRun,
  });
}
