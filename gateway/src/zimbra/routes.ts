/**
 * REST for Zimbra billing (design.md): start a month's run as a job and follow it, list what needs mapping,
 * and map a domain or CoS without a terminal. All behind `requireAuth`; every mapping change is audited.
 */
import type { Context, Hono } from 'hono';
import { successEnvelope } from '../../../shared/src/envelope';
import type { AppContext } from '../app/context';
import { requireAuth } from '../auth/middleware';
import { CliError } from '../cli/exit-codes';
import { JobAlreadyRunningError } from '../jobs/jobs';
import { openQbo, type QboClient } from '../qbo/index';
import type { AppEnv } from '../server/env';
import { badRequest, conflict, HttpError, notFound } from '../server/errors';
import type { RouteModule } from '../server/route-module';
import { type CosChange, type DomainChange, MappingError, setCosMapping, setDomainMapping } from './mappings';
import { monthReport } from './month-report';
import { findObsoleteCos } from './obsolete-cos';
import { type Period, periodKey, previousMonth } from './report/highwater';
import { monthPicture, startMonthlyBilling, tryOpenQbo } from './service';
import { ZimbraStore } from './store';
import { startUndoJob } from './undo-job';

type C = Context<AppEnv>;

async function jsonBody(c: C): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest('The body must be JSON with Content-Type: application/json');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('The body must be a JSON object');
  return body as Record<string, unknown>;
}

function periodFrom(year: unknown, month: unknown): Period {
  if (year === undefined && month === undefined) return previousMonth(new Date());
  const y = Number(year);
  const m = Number(month);
  if (!Number.isInteger(y) || y < 2000 || y > 2100) throw badRequest('year must be a year such as 2025');
  if (!Number.isInteger(m) || m < 1 || m > 12) throw badRequest('month must be 1-12');
  return { year: y, month: m };
}

function qboClient(ctx: AppContext): QboClient {
  try {
    return openQbo(ctx).client;
  } catch (error) {
    if (error instanceof CliError) throw new HttpError(503, 'qbo_not_connected', error.message);
    throw error;
  }
}

function mappingFailure(error: unknown): never {
  if (error instanceof MappingError)
    throw new HttpError(error.status, error.status === 404 ? 'not_found' : 'bad_request', error.message);
  throw error;
}

const actorOf = (c: C) => c.get('principal')?.name ?? 'api';

/** The body of `POST /api/zimbra/runs`: the month, the run's switches, and an optional single customer. */
function runOptionsFrom(body: Record<string, unknown>) {
  const flag = (name: string) => {
    const v = body[name];
    if (v !== undefined && typeof v !== 'boolean') throw badRequest(`${name} must be true or false`);
    return v === true;
  };
  const customerId = body.customerId;
  if (customerId !== undefined && (typeof customerId !== 'string' || !/^\d{1,20}$/.test(customerId))) {
    throw badRequest('customerId must be a QuickBooks customer Id (digits, as a string)');
  }
  return {
    period: periodFrom(body.year, body.month),
    skipFetch: flag('skipFetch'),
    skipReconciliation: flag('skipReconciliation'),
    skipInvoices: flag('skipInvoices'),
    dryRun: flag('dryRun'),
    retryRejected: flag('retryRejected'),
    customerId: customerId as string | undefined,
  };
}

function domainChangeFrom(body: Record<string, unknown>): DomainChange {
  if (body.exclude === true) return { exclude: true };
  if (typeof body.customerId === 'string' && body.customerId.trim() !== '')
    return { customerId: body.customerId.trim() };
  throw badRequest('Send {"customerId": "<QBO customer Id>"} or {"exclude": true}');
}

function cosChangeFrom(body: Record<string, unknown>): CosChange {
  if (body.exclude === true) return { exclude: true };
  if (body.unmap === true) return { unmap: true };
  if (typeof body.itemId === 'string' && body.itemId.trim() !== '') {
    const quota = body.quotaGb;
    if (quota !== undefined && (typeof quota !== 'number' || !Number.isInteger(quota) || quota < 0)) {
      throw badRequest('quotaGb must be a whole number of GB');
    }
    return { itemId: body.itemId.trim(), quotaGb: quota as number | undefined };
  }
  throw badRequest('Send {"itemId": "<QBO item Id>", "quotaGb": 50}, {"exclude": true} or {"unmap": true}');
}

/** The month's unmapped domains and CoS; with `review`, also the mapped CoS that are obsolete. */
async function unmappedView(ctx: AppContext, period: Period, review: boolean) {
  const picture = monthPicture(ctx, period);
  // Without QuickBooks the items cannot be read: the reports alone still tell, and `itemsChecked` says so.
  const client = review ? (tryOpenQbo(ctx)?.client ?? null) : null;
  const obsolete = review
    ? {
        obsoleteCos: await findObsoleteCos(new ZimbraStore(ctx.db), client, period),
        itemsChecked: client !== null,
      }
    : {};
  return {
    period: periodKey(period),
    domains: picture.unmappedDomains,
    cos: picture.unmappedCos,
    excluded: picture.excluded,
    ...obsolete,
  };
}

function register(app: Hono<AppEnv>): void {
  app.use('/api/zimbra/*', requireAuth);

  app.post('/api/zimbra/runs', async (c) => {
    const ctx = c.get('ctx');
    const body = await jsonBody(c);
    const options = { ...runOptionsFrom(body), actor: actorOf(c) };
    let started: ReturnType<typeof startMonthlyBilling>;
    try {
      started = startMonthlyBilling(ctx, options);
    } catch (error) {
      if (error instanceof JobAlreadyRunningError) throw conflict(error.message, { jobId: error.job.id });
      throw error;
    }
    // The run goes on after the answer; its job row carries progress and, at the end, the summary.
    started.result.catch((error: unknown) => ctx.log.error({ err: error }, 'Zimbra run failed'));
    const id = started.job.id;
    return c.json(
      successEnvelope(ctx.jobs.get(id), `Zimbra run for ${periodKey(options.period)} started`),
      202,
    );
  });

  app.get('/api/zimbra/runs/:id', (c) => {
    const job = c.get('ctx').jobs.get(c.req.param('id'));
    if (job?.flow !== 'zimbra') throw notFound(`No Zimbra run ${c.req.param('id')}`);
    return c.json(successEnvelope(job));
  });

  app.get('/api/zimbra/unmapped', async (c) => {
    const ctx = c.get('ctx');
    const period = periodFrom(c.req.query('year'), c.req.query('month'));
    return c.json(successEnvelope(await unmappedView(ctx, period, c.req.query('reviewAll') === 'true')));
  });

  app.get('/api/zimbra/report', async (c) => {
    const period = periodFrom(c.req.query('year'), c.req.query('month'));
    const report = await monthReport(c.get('ctx'), period);
    return c.json(successEnvelope(report, `Billing report for ${report.period}; nothing was created`));
  });

  app.post('/api/zimbra/undo', async (c) => {
    const ctx = c.get('ctx');
    const body = await jsonBody(c);
    if (body.year === undefined || body.month === undefined)
      throw badRequest('Send {"year": 2025, "month": 10}: undo names its month');
    const period = periodFrom(body.year, body.month);
    let job: ReturnType<typeof startUndoJob>;
    try {
      job = startUndoJob(ctx, period, actorOf(c));
    } catch (error) {
      if (error instanceof JobAlreadyRunningError) throw conflict(error.message, { jobId: error.job.id });
      if (error instanceof CliError) throw new HttpError(503, 'qbo_not_connected', error.message);
      throw error;
    }
    return c.json(successEnvelope(job, `Undo of ${periodKey(period)}'s unsent drafts started`), 202);
  });

  app.put('/api/zimbra/domains/:domain', async (c) => {
    const ctx = c.get('ctx');
    const body = await jsonBody(c);
    const change = domainChangeFrom(body);
    const client = 'customerId' in change ? qboClient(ctx) : null;
    const result = await setDomainMapping(
      ctx,
      client,
      decodeURIComponent(c.req.param('domain')),
      change,
      actorOf(c),
    ).catch(mappingFailure);
    return c.json(successEnvelope(result, result.excluded ? 'domain excluded' : 'domain mapped'));
  });

  app.put('/api/zimbra/cos/:name', async (c) => {
    const ctx = c.get('ctx');
    const body = await jsonBody(c);
    const change = cosChangeFrom(body);
    const client = 'itemId' in change ? qboClient(ctx) : null;
    const result = await setCosMapping(
      ctx,
      client,
      decodeURIComponent(c.req.param('name')),
      change,
      actorOf(c),
    ).catch(mappingFailure);
    const said = result.excluded ? 'CoS excluded' : result.itemId ? 'CoS mapped' : 'CoS unmapped';
    return c.json(successEnvelope(result, said));
  });
}

export const zimbraRoutes: RouteModule = { name: 'zimbra', register };
