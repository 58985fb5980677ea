/**
 * `/api/v1/sync/*` — the seed's invoice-sync API, registered this time (the original's blueprint never
 * was). Envelopes are the house's `{success, message, timestamp, data | error, details}`; a long `all`
 * answers at once with its job id and `status` shows its progress.
 */
import type { Context, Hono } from 'hono';
import { successEnvelope } from '../../../shared/src/envelope';
import type { AppContext } from '../app/context';
import { requireAuth } from '../auth/middleware';
import { CliError } from '../cli/exit-codes';
import { ConfigError } from '../config/load';
import { ReconnectRequiredError } from '../qbo/index';
import type { AppEnv } from '../server/env';
import { badRequest, HttpError, notFound } from '../server/errors';
import type { RouteModule } from '../server/route-module';
import {
  MisInputError,
  readAllBody,
  readBatchBody,
  readInvoiceId,
  readPreviewQuery,
  readSingleBody,
} from './input';
import { MisConnectionError, type MisDb, MisSchemaError } from './mis-db';
import { runAllJob, startAllJob } from './run-all';
import {
  analyze,
  misFlow,
  openMis,
  preview,
  runBatch,
  runSingle,
  SingleInvoiceError,
  status,
} from './service';

type C = Context<AppEnv>;

/** One pool per gateway process, opened on first use (and checked at start-up, see `register`). */
const pools = new WeakMap<AppContext, Promise<MisDb>>();
const lastError = new WeakMap<AppContext, string>();

function misOf(ctx: AppContext): Promise<MisDb> {
  let pending = pools.get(ctx);
  if (!pending) {
    pending = openMis(ctx);
    pools.set(ctx, pending);
    pending.then(
      () => lastError.delete(ctx),
      (error: unknown) => {
        // Not cached: the next request tries again (the MIS may have been started, or its schema fixed).
        pools.delete(ctx);
        lastError.set(ctx, error instanceof Error ? error.message : String(error));
      },
    );
  }
  return pending;
}

/** Closes the pool this process opened for `ctx` (tests, shutdown). */
export async function closeMisPool(ctx: AppContext): Promise<void> {
  const pending = pools.get(ctx);
  pools.delete(ctx);
  if (pending) await (await pending.catch(() => undefined))?.close();
}

/** Every failure a caller can act on becomes a status and a sentence; anything else is a 500. */
function httpError(error: unknown): unknown {
  if (error instanceof MisInputError) return badRequest(error.message);
  if (error instanceof ConfigError) return new HttpError(503, 'not_configured', error.message);
  if (error instanceof MisSchemaError)
    return new HttpError(503, 'mis_schema', error.message, { missing: error.missing });
  if (error instanceof MisConnectionError) return new HttpError(503, 'mis_unavailable', error.message);
  if (error instanceof SingleInvoiceError) {
    if (error.reason === 'busy') return new HttpError(409, 'busy', error.message);
    return notFound(`Invoice not found or already synchronized: ${error.message}`);
  }
  // The seed's contract: not connected → 400 "QuickBooks not connected".
  if (error instanceof CliError || error instanceof ReconnectRequiredError) {
    return new HttpError(400, 'quickbooks_not_connected', `QuickBooks not connected: ${error.message}`);
  }
  return error;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw httpError(error);
  }
}

async function jsonBody(c: C): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The body must be JSON, e.g. {"batch_size": 50}');
  }
}

const who = (c: C) => `api:${c.get('principal')?.name ?? 'unknown'}`;

function register(app: Hono<AppEnv>): void {
  app.use('/api/v1/sync/*', requireAuth);

  app.get('/api/v1/sync/analyze', (c) =>
    guarded(async () => {
      const stats = await analyze(await misOf(c.get('ctx')));
      return c.json(successEnvelope(stats, 'Synchronization analysis completed successfully'));
    }),
  );

  app.get('/api/v1/sync/preview', (c) =>
    guarded(async () => {
      const { limit, offset } = readPreviewQuery(c.req.query('limit'), c.req.query('offset'));
      const page = await preview(await misOf(c.get('ctx')), limit, offset);
      return c.json(successEnvelope(page, `${page.count} unsynchronized invoice(s)`));
    }),
  );

  app.post('/api/v1/sync/batch', (c) =>
    guarded(async () => {
      const input = readBatchBody(await jsonBody(c));
      const ctx = c.get('ctx');
      const result = await runBatch(ctx, await misOf(ctx), input.batchSize, {
        dryRun: input.dryRun,
        retryRejected: input.retryRejected,
        by: who(c),
      });
      const message = `${result.dry_run ? 'Dry run: ' : ''}${result.successful} of ${result.total_processed} invoice(s) ${result.dry_run ? 'would be ' : ''}synchronized`;
      return c.json(successEnvelope(result, message));
    }),
  );

  app.post('/api/v1/sync/all', (c) =>
    guarded(async () => {
      const input = readAllBody(await jsonBody(c));
      const ctx = c.get('ctx');
      const db = await misOf(ctx);
      const options = { ...input, by: who(c) };
      const job = await startAllJob(ctx, db, { ...options, startedBy: who(c) });
      runAllJob(ctx, db, job, options).catch((error: unknown) =>
        ctx.log.error({ err: error, jobId: job.id }, 'MIS sync job failed'),
      );
      return c.json(
        successEnvelope(
          { job_id: job.id, job, status_url: '/api/v1/sync/status', job_url: `/api/jobs/${job.id}` },
          `Synchronization of all invoices started as job ${job.id}; follow it at GET /api/v1/sync/status`,
        ),
        202,
      );
    }),
  );

  app.post('/api/v1/sync/single/:id', (c) =>
    guarded(async () => {
      const id = readInvoiceId(c.req.param('id'));
      const input = readSingleBody(await jsonBody(c));
      const ctx = c.get('ctx');
      const result = await runSingle(ctx, await misOf(ctx), id, {
        dryRun: input.dryRun,
        retryRejected: input.retryRejected,
        by: who(c),
      });
      const ok = result.successful === 1;
      return c.json(
        successEnvelope(
          result,
          ok
            ? `Invoice ${id} ${result.dry_run ? 'would be' : 'was'} synchronized`
            : `Invoice ${id} was not synchronized: ${result.errors[0]?.error ?? 'see errors'}`,
        ),
      );
    }),
  );

  app.get('/api/v1/sync/status', (c) =>
    guarded(async () => {
      const ctx = c.get('ctx');
      const report = await status(ctx, await misOf(ctx));
      return c.json(successEnvelope(report, 'Synchronization status'));
    }),
  );
}

export const misRoutes: RouteModule = {
  name: misFlow,
  register,
  // /healthz (polled at start-up by most deployments) opens the MIS once: a missing column or a wrong URL
  // becomes one logged line naming it and a `mis.error` here, not a failure in the middle of a run.
  health(ctx) {
    if (ctx.config.MIS_DATABASE_URL === undefined) return {};
    if (!pools.has(ctx) && !lastError.has(ctx)) {
      misOf(ctx).catch((error: unknown) =>
        ctx.log.error(
          { flow: misFlow },
          `MIS sync unavailable: ${error instanceof Error ? error.message : error}`,
        ),
      );
      return { mis: { ok: null, checking: true } };
    }
    const error = lastError.get(ctx);
    return { mis: error ? { ok: false, error } : { ok: true } };
  },
};
