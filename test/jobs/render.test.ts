import { describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { followJob, renderJobLine } from '../../gateway/src/jobs/render';
import { createApp } from '../../gateway/src/server/app';
import { testContext } from '../helpers/context';

describe('job progress as people see it', () => {
  it('renders a bar with counts, failures and state', () => {
    const ctx = testContext();
    const job = ctx.jobs.start({ flow: 'mis', startedBy: 'cli', total: 20, dryRun: true });
    ctx.jobs.progress(job.id, { done: 6, failed: 1 });
    expect(renderJobLine(ctx.jobs.get(job.id)!)).toBe(
      'mis  [#######.............]  35% 7/20 (1 failed)  running dry run',
    );
    const finished = ctx.jobs.finish(job.id, {});
    expect(renderJobLine(finished)).toContain('done');
    ctx.close();
  });

  it('follows a job to its end, one line per change when not on a terminal', async () => {
    const ctx = testContext();
    const job = ctx.jobs.start({ flow: 'zimbra', scope: '2026-10', startedBy: 'cli', total: 2 });
    const lines: string[] = [];
    let step = 0;
    const final = await followJob(
      () => {
        step += 1;
        if (step === 2) ctx.jobs.progress(job.id, { done: 1 });
        if (step === 3) ctx.jobs.finish(job.id, { invoices: 2 });
        return ctx.jobs.get(job.id);
      },
      (text) => lines.push(text),
      { intervalMs: 1 },
    );
    expect(final.state).toBe('done');
    expect(lines.map((l) => l.trim())).toEqual([
      'zimbra 2026-10  [....................]   0% 0/2  running',
      'zimbra 2026-10  [##########..........]  50% 1/2  running',
      'zimbra 2026-10  [##########..........]  50% 1/2  done',
    ]);
    ctx.close();
  });

  it('serves jobs to authenticated callers', async () => {
    const ctx = testContext();
    const { token } = createApiToken(ctx.db, 'dash');
    const job = ctx.jobs.start({ flow: 'sheets', scope: 'sheet-1', startedBy: 'addon', total: 5 });
    const app = createApp(ctx);
    const headers = { Authorization: `Bearer ${token}` };
    expect((await app.request(`/api/jobs/${job.id}`)).status).toBe(401);
    const one = await app.request(`/api/jobs/${job.id}`, { headers });
    expect(await one.json()).toMatchObject({ success: true, data: { id: job.id, flow: 'sheets', total: 5 } });
    const list = await app.request('/api/jobs?flow=sheets', { headers });
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect((await app.request('/api/jobs/nope', { headers })).status).toBe(404);
    ctx.close();
  });
});
