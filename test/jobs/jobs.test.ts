import { describe, expect, it } from 'vitest';
import { JobAlreadyRunningError, JobStore } from '../../gateway/src/jobs/jobs';
import { testContext } from '../helpers/context';

describe('jobs', () => {
  it('runs one job per flow and scope, reporting the running one to a second start', () => {
    const ctx = testContext();
    const job = ctx.jobs.start({ flow: 'zimbra', scope: '2026-10', startedBy: 'cli', total: 3 });
    expect(() => ctx.jobs.start({ flow: 'zimbra', scope: '2026-10', startedBy: 'api' })).toThrow(
      JobAlreadyRunningError,
    );
    try {
      ctx.jobs.start({ flow: 'zimbra', scope: '2026-10', startedBy: 'api' });
    } catch (error) {
      expect((error as JobAlreadyRunningError).job.id).toBe(job.id);
    }
    // Another scope of the same flow is independent.
    expect(ctx.jobs.start({ flow: 'zimbra', scope: '2026-11', startedBy: 'cli' }).state).toBe('running');
    ctx.close();
  });

  it('tracks progress and the final summary, then allows a new run', () => {
    const ctx = testContext();
    const job = ctx.jobs.start({ flow: 'mis', startedBy: 'cli', dryRun: true });
    ctx.jobs.progress(job.id, { total: 10, done: 4, failed: 1 });
    expect(ctx.jobs.get(job.id)).toMatchObject({
      total: 10,
      done: 4,
      failed: 1,
      dryRun: true,
      state: 'running',
    });
    const done = ctx.jobs.finish(job.id, { created: 3, failed: [{ id: 7, reason: 'no customer' }] });
    expect(done.state).toBe('done');
    expect(done.summary).toEqual({ created: 3, failed: [{ id: 7, reason: 'no customer' }] });
    expect(done.finishedAt).not.toBeNull();
    expect(ctx.jobs.start({ flow: 'mis', startedBy: 'cli' }).id).not.toBe(job.id);
    ctx.close();
  });

  it('fails a job whose process stopped heartbeating, so the flow is not blocked forever', () => {
    const ctx = testContext();
    const stale = ctx.jobs.start({ flow: 'sheets', scope: 'sheet-1', startedBy: 'addon' });
    ctx.db.prepare('UPDATE jobs SET heartbeat_at = ? WHERE id = ?').run('2000-01-01T00:00:00.000Z', stale.id);
    const fresh = new JobStore(ctx.db).start({ flow: 'sheets', scope: 'sheet-1', startedBy: 'addon' });
    expect(fresh.id).not.toBe(stale.id);
    expect(ctx.jobs.get(stale.id)).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('no heartbeat'),
    });
    ctx.close();
  });
});
