import type { AppContext } from '../app/context';
import type { Job } from '../jobs/jobs';
import { openQbo } from '../qbo/index';
import { undoMonth } from './invoices';
import { type Period, periodKey } from './report/highwater';

/**
 * `POST /api/zimbra/undo`: takes a month's unsent drafts back as a job (one delete per draft can outlast
 * an HTTP call, and the sidebar polls jobs). Sent, paid or edited invoices are kept and listed with why.
 */
export function startUndoJob(ctx: AppContext, period: Period, actor: string): Job {
  const conn = openQbo(ctx);
  const job = ctx.jobs.start({ flow: 'zimbra', scope: `undo:${periodKey(period)}`, startedBy: actor });
  undoMonth(ctx, conn, period, { actor })
    .then((results) => {
      const count = (o: string) => results.filter((r) => r.outcome === o).length;
      ctx.jobs.progress(job.id, { total: results.length, done: count('deleted'), failed: count('pending') });
      ctx.jobs.finish(job.id, {
        period: periodKey(period),
        deleted: count('deleted'),
        kept: count('kept'),
        pending: count('pending'),
        results,
      });
    })
    .catch((error: unknown) => {
      ctx.log.error({ err: error, jobId: job.id }, 'Zimbra undo failed');
      ctx.jobs.fail(job.id, error instanceof Error ? error.message : String(error));
    });
  return job;
}
