import type { AppContext } from '../../app/context';
import type { Job } from '../../jobs/jobs';
import { runAllJob, startAllJob } from '../run-all';
import { openMis } from '../service';

/**
 * A run started from the dashboard: `batch` is `all` stopped after one batch of the chosen size, so both
 * buttons are jobs the page can follow live. The job gets its own MIS connection, closed when it ends; the
 * request answers as soon as the job row exists (a second start while one runs throws
 * JobAlreadyRunningError, QuickBooks not connected throws before a job exists).
 */
export async function startMisRun(
  ctx: AppContext,
  actor: string,
  options: { batchSize: number; maxBatches?: number },
): Promise<Job> {
  const db = await openMis(ctx);
  const runOptions = { ...options, by: actor };
  let job: Job;
  try {
    job = await startAllJob(ctx, db, { ...runOptions, startedBy: actor });
  } catch (error) {
    await db.close();
    throw error;
  }
  runAllJob(ctx, db, job, runOptions)
    .catch((error: unknown) => ctx.log.error({ err: error, jobId: job.id }, 'MIS sync job failed'))
    .finally(() => db.close().catch(() => undefined));
  return job;
}
