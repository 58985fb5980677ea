import { successEnvelope } from '../../../shared/src/envelope';
import { requireAuth } from '../auth/middleware';
import { badRequest, notFound } from '../server/errors';
import type { RouteModule } from '../server/route-module';

/** The flows design.md names; a flow that has written jobs under another name is accepted too. */
const knownFlows = ['sheets', 'mis', 'zimbra', 'qbwc'];

/**
 * Read-only view of every flow's jobs, for the dashboard's live cards and for scripts. Each flow also
 * exposes its own `…/:id` path (design.md); those answer with the same job shape.
 */
export const jobRoutes: RouteModule = {
  name: 'jobs',
  register(app) {
    app.get('/api/jobs', requireAuth, (c) => {
      const flow = c.req.query('flow');
      const jobs = c.get('ctx').jobs;
      if (flow !== undefined && !knownFlows.includes(flow) && jobs.list({ flow, limit: 1 }).length === 0) {
        throw badRequest(
          `Unknown flow "${flow.slice(0, 40)}"; use one of ${knownFlows.join(', ')} (or leave flow out for all jobs)`,
        );
      }
      const limit = Math.min(200, Math.max(1, Number(c.req.query('limit') ?? 50) || 50));
      return c.json(successEnvelope(jobs.list({ flow, limit })));
    });
    app.get('/api/jobs/:id', requireAuth, (c) => {
      const job = c.get('ctx').jobs.get(c.req.param('id'));
      if (!job) throw notFound(`No job ${c.req.param('id')}`);
      return c.json(successEnvelope(job));
    });
  },
};
