import { successEnvelope } from '../../../shared/src/envelope';
import { requireAuth } from '../auth/middleware';
import { notFound } from '../server/errors';
import type { RouteModule } from '../server/route-module';

/**
 * Read-only view of every flow's jobs, for the dashboard's live cards and for scripts. Each flow also
 * exposes its own `…/:id` path (design.md); those answer with the same job shape.
 */
export const jobRoutes: RouteModule = {
  name: 'jobs',
  register(app) {
    app.get('/api/jobs', requireAuth, (c) => {
      const flow = c.req.query('flow');
      const limit = Math.min(200, Math.max(1, Number(c.req.query('limit') ?? 50) || 50));
      return c.json(successEnvelope(c.get('ctx').jobs.list({ flow, limit })));
    });
    app.get('/api/jobs/:id', requireAuth, (c) => {
      const job = c.get('ctx').jobs.get(c.req.param('id'));
      if (!job) throw notFound(`No job ${c.req.param('id')}`);
      return c.json(successEnvelope(job));
    });
  },
};
