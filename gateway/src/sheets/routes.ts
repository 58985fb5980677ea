/**
 * `/api/sheets/*`, the add-on's side of the gateway. Every call is verified as the add-on's (Google ID
 * token or HMAC signature, `auth/addon/auth.ts`); an HMAC key made for one spreadsheet is refused for
 * another.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { successEnvelope } from '../../../shared/src/envelope';
import type { SheetsRequest, StatusView } from '../../../shared/src/sheets/contract';
import { addonIdentity, requireAddonAuth } from '../auth/addon/auth';
import type { AppEnv } from '../server/env';
import { badRequest, HttpError, notFound } from '../server/errors';
import type { RouteModule } from '../server/route-module';
import { version } from '../version';
import { DirectionsFileError } from './directions-file';
import { jobView, settingsFor, sheetsFlow, submitJob, validateRows } from './service';
import { sheetsStatus } from './status';
import { SheetsStore } from './store';

type C = Context<AppEnv>;

const cell = z.union([z.string().max(50_000), z.number(), z.boolean(), z.null()]);
const requestSchema = z.object({
  spreadsheetId: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a spreadsheet id'),
  sheetName: z.string().min(1).max(200),
  rows: z
    .array(
      z.object({
        rowId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a qb_row_id'),
        sheetRow: z.number().int().min(1),
        values: z.record(z.string().max(200), cell),
      }),
    )
    .max(20_000),
  customers: z.record(z.string().max(500), z.string().max(500)).optional(),
  options: z
    .object({
      mode: z.enum(['invoice_only', 'dual']).optional(),
      eligibleStatuses: z.array(z.string().max(100)).max(50).optional(),
      includeFailed: z.boolean().optional(),
      retryRejected: z.boolean().optional(),
      backfill: z.boolean().optional(),
      limit: z.number().int().min(0).optional(),
      dryRun: z.boolean().optional(),
    })
    .optional(),
});

async function readRequest(c: C): Promise<SheetsRequest> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest('The body must be JSON');
  }
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`${issue.path.join('.') || 'body'} ${issue.message}`);
  }
  const request = parsed.data as SheetsRequest;
  const identity = addonIdentity(c);
  if (
    identity?.kind === 'hmac' &&
    identity.spreadsheetId &&
    identity.spreadsheetId !== request.spreadsheetId
  ) {
    throw new HttpError(
      403,
      'forbidden',
      'This add-on key belongs to another spreadsheet; create one for this sheet with `qb-bridge addon-key --spreadsheet <id>`',
    );
  }
  const ids = new Set<string>();
  for (const row of request.rows) {
    if (ids.has(row.rowId))
      throw badRequest(`qb_row_id ${row.rowId} appears on two rows; clear one of them so it gets a new id`);
    ids.add(row.rowId);
  }
  return request;
}

function directionsGuard<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof DirectionsFileError) throw new HttpError(503, 'not_configured', error.message);
    throw error;
  }
}

function register(app: Hono<AppEnv>): void {
  app.use('/api/sheets/*', requireAddonAuth);

  app.post('/api/sheets/validate', async (c) => {
    const request = await readRequest(c);
    const results = await directionsGuard(() => validateRows(c.get('ctx'), request));
    return c.json(successEnvelope({ results }, `${results.length} rows checked; nothing was created`));
  });

  app.post('/api/sheets/jobs', async (c) => {
    const request = await readRequest(c);
    const accepted = directionsGuard(() =>
      submitJob(c.get('ctx'), request, c.get('principal')?.name ?? 'addon'),
    );
    return c.json(
      successEnvelope(
        accepted,
        accepted.reused ? 'These rows were already submitted; same job' : 'Sync started',
      ),
      202,
    );
  });

  app.get('/api/sheets/jobs/:id', (c) => {
    const ctx = c.get('ctx');
    const id = c.req.param('id');
    const job = ctx.jobs.get(id);
    if (!job || job.flow !== sheetsFlow) throw notFound(`No sheet job ${id}`);
    const identity = addonIdentity(c);
    const sheet = new SheetsStore(ctx.db).spreadsheetOf(id);
    if (identity?.kind === 'hmac' && identity.spreadsheetId && identity.spreadsheetId !== sheet) {
      throw notFound(`No sheet job ${id}`);
    }
    return c.json(successEnvelope(jobView(ctx, job)));
  });

  app.get('/api/sheets/status', (c) => {
    const ctx = c.get('ctx');
    const spreadsheetId = c.req.query('spreadsheetId');
    const view: StatusView = directionsGuard(() =>
      sheetsStatus(ctx, settingsFor(ctx), spreadsheetId, version),
    );
    return c.json(successEnvelope(view));
  });
}

export const sheetsRoutes: RouteModule = {
  name: 'sheets',
  register,
  bodyLimits: { '/api/sheets/validate': 32 * 1024 * 1024, '/api/sheets/jobs': 32 * 1024 * 1024 },
};
