import type { AppContext } from '../app/context';
import { CliError } from '../cli/exit-codes';
import { ConfigError } from '../config/load';
import { configuredIntegrations } from '../config/require';
import { JobAlreadyRunningError } from '../jobs/jobs';
import { ReconnectRequiredError } from '../qbo/index';
import {
  type DashboardPage,
  type PageContext,
  type PageKit,
  pageNumber,
  pageSize,
  slicePage,
} from '../web/page-module';
import { failedPage, withMis } from './dashboard/data';
import { startMisRun } from './dashboard/start-run';
import {
  FailedTable,
  JobsTable,
  LatestJob,
  NotConfigured,
  type Paged,
  PreviewTable,
  RunForms,
  StatsCard,
  Unavailable,
} from './dashboard/views';
import { batchSizeLimit, MisInputError, readInvoiceId, wholeNumber } from './input';
import { MisConnectionError, MisSchemaError } from './mis-db';
import { analyze, misFlow, preview, progressPercentage, runSingle, SingleInvoiceError } from './service';

/**
 * `/mis`: the MIS sync without a terminal — the analysis, what the next runs would send, a batch or
 * everything as a job the page follows live, the failed invoices with their reasons and a retry each.
 * It calls the flow's service functions directly; every action lands in the audit log as `user:<name>`.
 */

const path = '/mis';

/** A failure the user can act on, as the sentence the page shows; anything else is a bug (thrown). */
function actionable(error: unknown): string | null {
  if (error instanceof CliError || error instanceof ReconnectRequiredError)
    return `QuickBooks is not connected: ${error.message}`;
  if (
    error instanceof ConfigError ||
    error instanceof MisConnectionError ||
    error instanceof MisSchemaError ||
    error instanceof JobAlreadyRunningError ||
    error instanceof SingleInvoiceError ||
    error instanceof MisInputError
  )
    return error.message;
  return null;
}

function pagedLink(c: PageContext, key: string): (page: number) => string {
  return (page) => {
    const q = new URLSearchParams(
      Object.entries(c.req.query()).filter(([k, v]) => k !== key && v) as [string, string][],
    );
    q.set(key, String(page));
    return `${path}?${q.toString()}#${key === 'jpage' ? 'mis-jobs-heading' : key === 'fpage' ? 'mis-failed-heading' : 'mis-preview-heading'}`;
  };
}

function paged(c: PageContext, key: string, total: number): Paged & { offset: number } {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(pageNumber(c.req.query(key)), pages);
  return { page, pages, total, href: pagedLink(c, key), offset: (page - 1) * pageSize };
}

interface FormState {
  batchSize?: string;
  batchError?: string;
}

/** The parts read from the MIS; a MIS that cannot be read becomes its sentence on the page. */
async function misSections(kit: PageKit, c: PageContext, form: FormState) {
  const ctx = c.get('ctx');
  try {
    return await withMis(ctx, async (db) => {
      const stats = await analyze(db);
      const waiting = paged(c, 'ppage', stats.not_synced + stats.failed);
      const failed = paged(c, 'fpage', stats.failed);
      const previewRows = (await preview(db, pageSize, waiting.offset)).invoices;
      const failedRows = await failedPage(db, pageSize, failed.offset);
      return (
        <>
          <StatsCard stats={stats} percent={progressPercentage(stats)} />
          <RunForms csrf={kit.csrfField(c)} batchSize={form.batchSize ?? '50'} error={form.batchError} />
          <PreviewTable rows={previewRows} paged={waiting} />
          <FailedTable rows={failedRows} paged={failed} csrf={kit.csrfField(c)} />
        </>
      );
    });
  } catch (error) {
    const message = actionable(error);
    if (message === null) throw error;
    return <Unavailable message={message} />;
  }
}

async function render(kit: PageKit, c: PageContext, form: FormState = {}, status = 200) {
  const ctx = c.get('ctx');
  const jobs = ctx.jobs.list({ flow: misFlow, limit: 1000 });
  const history = slicePage(jobs, pageNumber(c.req.query('jpage')));
  const configured = configuredIntegrations(ctx.config).mis === true;
  return kit.render(c, {
    title: 'MIS sync',
    status,
    body: (
      <>
        {configured ? <LatestJob job={jobs[0]} /> : <NotConfigured />}
        {configured ? await misSections(kit, c, form) : null}
        <JobsTable jobs={history.items} paged={{ ...history, href: pagedLink(c, 'jpage') }} />
      </>
    ),
  });
}

function audit(ctx: AppContext, actor: string, action: string, target: string, ok: boolean, details = {}) {
  ctx.audit.record({
    actor,
    action: `dashboard.mis.${action}`,
    target,
    outcome: ok ? 'success' : 'failure',
    details,
  });
}

/** Starts a batch or `all`; a refusal (not connected, already running, MIS down) is a notice. */
async function start(kit: PageKit, c: PageContext, action: 'batch' | 'all') {
  const ctx = c.get('ctx');
  const actor = `user:${kit.user(c)}`;
  const raw = ((await kit.form(c)).batch_size ?? '').trim();
  let batchSize = 50;
  if (action === 'batch') {
    try {
      batchSize = wholeNumber('The batch size', raw, 1, batchSizeLimit, { allowText: true });
    } catch (error) {
      if (!(error instanceof MisInputError)) throw error;
      return render(kit, c, { batchSize: raw, batchError: error.message }, 400);
    }
  }
  const options = action === 'batch' ? { batchSize, maxBatches: 1 } : { batchSize };
  try {
    const job = await startMisRun(ctx, actor, options);
    audit(ctx, actor, action, misFlow, true, { jobId: job.id, ...options });
    return kit.redirect(c, path, {
      kind: 'ok',
      text:
        action === 'batch'
          ? `Started a batch of up to ${batchSize} invoices (job ${job.id})`
          : `Started synchronizing every invoice (job ${job.id})`,
    });
  } catch (error) {
    const message = actionable(error);
    if (message === null) throw error;
    audit(ctx, actor, action, misFlow, false, { reason: message });
    return kit.redirect(c, path, { kind: 'error', text: message });
  }
}

async function retry(kit: PageKit, c: PageContext) {
  const ctx = c.get('ctx');
  const actor = `user:${kit.user(c)}`;
  const raw = ((await kit.form(c)).invoice_id ?? '').trim();
  try {
    const id = readInvoiceId(raw);
    const result = await withMis(ctx, (db) => runSingle(ctx, db, id, { by: actor }));
    const ok = result.successful === 1;
    const text = ok
      ? `Invoice ${id} was synchronized`
      : `Invoice ${id} was not synchronized: ${result.errors[0]?.error ?? 'see the failed list'}`;
    audit(ctx, actor, 'retry', `mis:invoice:${id}`, ok, ok ? {} : { reason: text });
    return kit.redirect(c, path, { kind: ok ? 'ok' : 'error', text });
  } catch (error) {
    const message = actionable(error);
    if (message === null) throw error;
    audit(ctx, actor, 'retry', `mis:invoice:${raw.slice(0, 20)}`, false, { reason: message });
    return kit.redirect(c, path, { kind: 'error', text: message });
  }
}

export const misDashboardPage: DashboardPage = {
  name: 'mis',
  nav: { label: 'MIS', path },
  flow: misFlow,
  register(kit) {
    kit.get(path, (c) => render(kit, c));
    kit.post(`${path}/batch`, (c) => start(kit, c, 'batch'));
    kit.post(`${path}/all`, (c) => start(kit, c, 'all'));
    kit.post(`${path}/retry`, (c) => retry(kit, c));
  },
};
