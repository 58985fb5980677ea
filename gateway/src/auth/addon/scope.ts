/**
 * The one list of what an add-on credential (a Google ID token or an HMAC-signed request, see
 * `auth.ts`) may reach: the sheet sync, the MIS and Zimbra calls the sidebar panels make, the Web
 * Connector's status and metrics, the customer/item pickers and its own jobs. Mounted first, on every path:
 * a request carrying an add-on credential is verified here; outside the list it gets 403 (it *is*
 * authenticated, just not allowed there), so the credential can never reach tokens, users, dashboard pages
 * or QuickBooks connection changes. Every add-on call, allowed or refused, is audited with its user.
 * Requests without an add-on credential pass through untouched to the routes' own guards.
 */
import type { Context } from 'hono';
import { hmacHeaders } from '../../../../shared/src/sheets/signing';
import type { AppEnv } from '../../server/env';
import { HttpError } from '../../server/errors';
import type { RouteModule } from '../../server/route-module';
import { requireAddonAuth } from './auth';

type C = Context<AppEnv>;

export interface AddonRoute {
  method: 'GET' | 'POST' | 'PUT';
  /** A Hono-style path: `:name` matches one segment. */
  path: string;
  /** Extra check after the path matched (e.g. only the add-on's own jobs); a sentence refuses. */
  guard?: (c: C, params: Record<string, string>) => string | null;
}

/** A job belongs to the add-on principal that started it (flows prefix or suffix the name differently). */
function ownJob(c: C, params: Record<string, string>): string | null {
  const name = c.get('principal')?.name ?? '';
  const job = c.get('ctx').jobs.get(params.id ?? '');
  if (!job) return null; // the route answers 404 itself
  // `addon:<email>`, `api:addon:<email> host#pid`, `addon-key:<id> (pid … on …)`: the name comes first.
  const starter = job.startedBy.replace(/^api:/, '').split(' ')[0];
  return starter === name ? null : 'that job was not started by this add-on user';
}

export const addonRoutes: readonly AddonRoute[] = [
  { method: 'GET', path: '/api/sheets/status' },
  { method: 'POST', path: '/api/sheets/validate' },
  { method: 'POST', path: '/api/sheets/jobs' },
  { method: 'GET', path: '/api/sheets/jobs/:id' },
  { method: 'GET', path: '/api/v1/sync/analyze' },
  { method: 'GET', path: '/api/v1/sync/preview' },
  { method: 'GET', path: '/api/v1/sync/status' },
  { method: 'POST', path: '/api/v1/sync/all' },
  { method: 'POST', path: '/api/zimbra/runs' },
  { method: 'GET', path: '/api/zimbra/runs/:id' },
  { method: 'GET', path: '/api/zimbra/unmapped' },
  { method: 'GET', path: '/api/zimbra/report' },
  { method: 'POST', path: '/api/zimbra/undo' },
  { method: 'PUT', path: '/api/zimbra/domains/:domain' },
  { method: 'PUT', path: '/api/zimbra/cos/:name' },
  { method: 'GET', path: '/api/qbwc/status' },
  { method: 'GET', path: '/api/qbwc/metrics' },
  { method: 'GET', path: '/api/qbo/customers' },
  { method: 'GET', path: '/api/qbo/items' },
  { method: 'GET', path: '/api/jobs/:id', guard: ownJob },
];

const compiled = addonRoutes.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/:[A-Za-z]+/g, '[^/]+')}/?$`),
}));

export function addonRouteFor(method: string, path: string): AddonRoute | undefined {
  const verb = method === 'HEAD' ? 'GET' : method;
  return compiled.find((c) => c.route.method === verb && c.pattern.test(path))?.route;
}

/** An ID token looks like a JWT; API tokens (`qbb_…`) never do. */
export function carriesAddonCredential(c: C): boolean {
  if (c.req.header(hmacHeaders.signature)) return true;
  return /^Bearer\s+eyJ[\w-]*\.[\w-]+\.[\w-]*$/i.test(c.req.header('authorization') ?? '');
}

function audit(c: C, outcome: 'success' | 'denied' | 'failure', details: Record<string, unknown>): void {
  c.get('ctx').audit.record({
    actor: c.get('principal')?.name ?? 'addon',
    action: 'addon.call',
    target: `${c.req.method} ${c.req.path}`,
    outcome,
    details: { requestId: c.get('requestId'), ...details },
  });
}

/** Params are only known once a route matched; the guard reads them from a path-only route match. */
function paramsOf(route: AddonRoute, path: string): Record<string, string> {
  const names = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  const values = new RegExp(`^${route.path.replace(/:[A-Za-z]+/g, '([^/]+)')}/?$`).exec(path)?.slice(1);
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values?.[i] ?? '')]));
}

export const addonScope: RouteModule = {
  name: 'auth.addon-scope',
  register(app) {
    app.use('*', async (c, next) => {
      if (!carriesAddonCredential(c)) return next();
      return requireAddonAuth(c, async () => {
        const route = addonRouteFor(c.req.method, c.req.path);
        const params = route ? paramsOf(route, c.req.path) : {};
        const refused = !route
          ? 'not among the endpoints an add-on credential may call'
          : route.guard?.(c, params);
        if (refused) {
          audit(c, 'denied', { reason: refused });
          throw new HttpError(
            403,
            'forbidden',
            `The add-on's credentials may not call ${c.req.method} ${c.req.path}: ${refused}; use an API token or the dashboard`,
          );
        }
        await next();
        audit(c, c.res.status < 400 ? 'success' : 'failure', { status: c.res.status });
      });
    });
  },
};
