import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { errorEnvelope } from '../../../shared/src/envelope';
import type { AppContext } from '../app/context';
import { optionalPrincipal } from '../auth/middleware';
import { JobAlreadyRunningError } from '../jobs/jobs';
import { trustedForwarding } from './client-address';
import type { AppEnv } from './env';
import { HttpError } from './errors';
import { healthReport, publicHealth } from './health';
import { type RouteModule, routeModules } from './routes';
import { noStoreJson, securityHeaders } from './security';

export const defaultBodyLimitBytes = 1024 * 1024;

export interface AppOptions {
  modules?: readonly RouteModule[];
}

/** The gateway's HTTP application: shared middleware, /healthz, then each folder's routes. */
export function createApp(ctx: AppContext, options: AppOptions = {}): Hono<AppEnv> {
  const modules = options.modules ?? routeModules;
  const limits = new Map<string, number>();
  for (const m of modules)
    for (const [path, bytes] of Object.entries(m.bodyLimits ?? {})) limits.set(path, bytes);
  const tooLarge = new Map<string, (maxSize: number) => Response>();
  for (const m of modules)
    for (const [path, answer] of Object.entries(m.bodyTooLarge ?? {})) tooLarge.set(path, answer);
  const app = new Hono<AppEnv>();

  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  app.use('*', securityHeaders);
  app.use('*', noStoreJson);
  app.use('*', async (c, next) => {
    c.set('ctx', ctx);
    const started = performance.now();
    await next();
    ctx.log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use('*', trustedForwarding);
  app.use('*', async (c, next) => {
    const maxSize = limits.get(c.req.path) ?? defaultBodyLimitBytes;
    return bodyLimit({
      maxSize,
      onError: () => {
        const answer = tooLarge.get(c.req.path);
        if (answer) return answer(maxSize);
        throw new HttpError(413, 'payload_too_large', `The request body is larger than ${maxSize} bytes`);
      },
    })(c, next);
  });

  // Anyone may ask whether the gateway is up; realm ids, company names and token expiries need a token.
  app.get('/healthz', optionalPrincipal, (c) => {
    const report = healthReport(
      ctx,
      modules.flatMap((m) => (m.health ? [m.health] : [])),
    );
    const status = report.store.ok ? 200 : 503;
    return c.get('principal') ? c.json(report, status) : c.json(publicHealth(report), status);
  });

  for (const m of modules) m.register(app);

  app.notFound((c) =>
    c.json(
      errorEnvelope('not_found', `No route for ${c.req.method} ${c.req.path}`, undefined, c.get('requestId')),
      404,
    ),
  );
  app.onError((error, c) => {
    const id = c.get('requestId');
    if (error instanceof HttpError) {
      return c.json(errorEnvelope(error.code, error.message, error.details, id), error.status);
    }
    if (error instanceof JobAlreadyRunningError) {
      return c.json(errorEnvelope('already_running', error.message, { jobId: error.job.id }, id), 409);
    }
    ctx.log.error({ err: error, requestId: id, path: c.req.path }, 'unhandled error');
    return c.json(
      errorEnvelope(
        'internal_error',
        `Internal error; quote request id ${id} when reporting it`,
        undefined,
        id,
      ),
      500,
    );
  });
  return app;
}
