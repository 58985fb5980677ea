import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../app/context';
import { CliError, ExitCode } from '../cli/exit-codes';
import { configuredIntegrations } from '../config/require';
import type { Job } from '../jobs/jobs';
import { openQbo, type QboConnection } from '../qbo/index';
import { version } from '../version';
import { reportPath, writeWorkbook } from './billing/excel';
import { buildInvoices } from './billing/invoice-lines';
import type { ReportData, ReportLine, UsageRow } from './billing/report-lines';
import { buildSummary, runStatus, type SkippedItem } from './billing/summary';
import { type InvoiceResult, invoiceMonth, loadPrices } from './invoices';
import { type CosChange, type DomainChange, setCosMapping, setDomainMapping } from './mappings';
import { type MonthPicture, reconcileMonth, type UnmappedCos, type UnmappedDomain } from './reconcile';
import { computeHighWater, monthRange, type Period, periodKey } from './report/highwater';
import { fetchMonthReports, openReportSource } from './ssh/fetch';
import { SourceError } from './ssh/source';
import { ZimbraStore } from './store';

/**
 * The Zimbra month, as `run-monthly-billing` runs it (seed-systems.md §1.8 run order): [1/6] fetch the
 * reports, [2/6] high-water marks from the stored usage, [3/6] reconcile (prompts on a terminal, otherwise
 * each unmapped item skipped and reported), [4/6] draft invoices exactly once, [5/6] the Excel report,
 * [6/6] the summary. Mapping happens before invoicing and usage of every domain is stored, so what is mapped
 * during a run is billed in that run (the seed billed it only a month later, or never).
 */

export interface Prompter {
  domain(
    item: UnmappedDomain,
    customers: ReadonlyArray<{ id: string; name: string }>,
  ): Promise<DomainChange | null>;
  cos(
    item: UnmappedCos,
    items: ReadonlyArray<{ id: string; name: string; unitPriceCents: number | null }>,
  ): Promise<CosChange | null>;
}

export interface RunOptions {
  period: Period;
  skipFetch?: boolean;
  skipReconciliation?: boolean;
  skipInvoices?: boolean;
  dryRun?: boolean;
  customerId?: string;
  jsonOutput?: string;
  /** Where the workbook goes (default DATA_DIR). */
  reportDir?: string;
  /** Prompts on a terminal; absent = non-interactive. */
  prompter?: Prompter;
  actor: string;
  onStep?: (step: number, label: string) => void;
  onLine?: (text: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface RunResult {
  summary: Record<string, unknown>;
  exitCode: number;
  job: Job;
}

export const steps = 6;

function tryOpenQbo(ctx: AppContext): QboConnection | null {
  if (!configuredIntegrations(ctx.config).qbo) return null;
  try {
    return openQbo(ctx);
  } catch (error) {
    if (error instanceof CliError) return null;
    throw error;
  }
}

/** Fetches the month's reports and stores their usage (every domain and CoS). */
export async function fetchUsage(ctx: AppContext, period: Period, onLine?: (text: string) => void) {
  const source = await openReportSource(ctx.config);
  try {
    const { reports, skipped } = await fetchMonthReports(source, period, (p) =>
      onLine?.(`      ${p.index}/${p.total} ${p.name} (${p.bytes} bytes)`),
    );
    const store = new ZimbraStore(ctx.db);
    for (const report of reports) store.saveReport(report, source.description);
    const badLines = reports.reduce((s, r) => s + r.parsed.badLines.length, 0);
    return { source: source.description, reports: reports.length, badLines, skipped };
  } finally {
    await source.close();
  }
}

/** The month's high-water marks and what they mean for billing, from the stored usage and mappings. */
export function monthPicture(ctx: AppContext, period: Period): MonthPicture {
  const store = new ZimbraStore(ctx.db);
  const { from, to } = monthRange(period);
  const highwater = computeHighWater(store.usageBetween(from, to), period);
  return reconcileMonth(highwater, store.domains(), store.cosList(), store.exclusions());
}

async function promptMappings(
  ctx: AppContext,
  conn: QboConnection,
  picture: MonthPicture,
  prompter: Prompter,
  actor: string,
) {
  let changed = 0;
  if (picture.unmappedDomains.length > 0) {
    const customers = (await conn.client.queryAll<Record<string, unknown>>('Customer', 'Active = true')).map(
      (c) => ({
        id: String(c.Id),
        name: String(c.DisplayName ?? ''),
      }),
    );
    for (const item of picture.unmappedDomains) {
      const answer = await prompter.domain(item, customers);
      if (answer) {
        await setDomainMapping(ctx, conn.client, item.domain, answer, actor);
        changed++;
      }
    }
  }
  if (picture.unmappedCos.length > 0) {
    const items = (
      await conn.client.queryAll<Record<string, unknown>>('Item', "Type = 'Service' AND Active = true")
    ).map((i) => ({
      id: String(i.Id),
      name: String(i.Name ?? ''),
      unitPriceCents: typeof i.UnitPrice === 'number' ? Math.round(i.UnitPrice * 100) : null,
    }));
    for (const item of picture.unmappedCos) {
      const answer = await prompter.cos(item, items);
      if (answer) {
        await setCosMapping(ctx, conn.client, item.name, answer, actor);
        changed++;
      }
    }
  }
  return changed;
}

function skippedItems(picture: MonthPicture): SkippedItem[] {
  return [
    ...picture.unmappedDomains.map((d) => ({
      type: 'domain' as const,
      name: d.domain,
      accounts: d.accounts,
      reason: 'Non-interactive mode - requires manual assignment',
      ...(d.suggestion
        ? {
            suggestion: `customer ${d.suggestion.customerId} (${d.suggestion.customerName}) like ${d.suggestion.via}`,
          }
        : {}),
    })),
    ...picture.unmappedCos.map((c) => ({
      type: 'cos' as const,
      name: c.name,
      accounts: c.accounts,
      reason: 'Non-interactive mode - requires manual mapping',
    })),
  ];
}

export function reportData(
  period: Period,
  picture: MonthPicture,
  invoices: InvoiceResult[] | null,
  preview: { lines: ReportLine[]; priceSource: string },
): ReportData {
  let lines = preview.lines;
  if (invoices) {
    lines = invoices.flatMap((r) =>
      r.lines.map((l) => ({
        customerId: r.customerId,
        customerName: r.customerName,
        domain: l.domain,
        cos: l.cos,
        quotaGb: l.quotaGb,
        accounts: l.quantity,
        peakDate: l.peakDate,
        itemName: l.itemName,
        unitPriceCents: l.unitPriceCents,
        amountCents: l.amountCents,
        docNumber: r.docNumber || null,
        invoiceStatus: r.outcome === 'failed' ? 'failed' : r.outcome === 'planned' ? 'planned' : 'draft',
      })),
    );
  }
  const billable = new Map(picture.billable.map((b) => [`${b.domain}\u0000${b.cos}`, b]));
  const excluded = new Set(picture.excluded.map((e) => `${e.domain}\u0000${e.cos}`));
  const usage: UsageRow[] = picture.highwater.map((hw) => {
    const key = `${hw.domain}\u0000${hw.cos}`;
    const b = billable.get(key);
    return {
      domain: hw.domain,
      cos: hw.cos,
      customerName: b?.customerName ?? null,
      status: b ? 'billable' : excluded.has(key) ? 'excluded' : hw.highwater === 0 ? 'billable' : 'unmapped',
      highwater: hw,
    };
  });
  const dates = [...new Set(picture.highwater.flatMap((h) => h.samples.map((s) => s.date)))].sort();
  return {
    period,
    generatedAt: new Date().toISOString(),
    priceSource: preview.priceSource,
    lines,
    usage,
    snapshotDates: dates,
  };
}

/** Lines at current QuickBooks prices without creating anything (`--skip-invoices`, `preview-invoices`). */
export async function previewLines(
  ctx: AppContext,
  picture: MonthPicture,
  period: Period,
  customerId?: string,
): Promise<{
  lines: ReportLine[];
  priceSource: string;
  failures: Array<{ customerId: string; error: string }>;
}> {
  const billable = customerId
    ? picture.billable.filter((b) => b.customerId === customerId)
    : picture.billable;
  const conn = tryOpenQbo(ctx);
  const unpricedLine = (b: (typeof billable)[number], status: string): ReportLine => ({
    customerId: b.customerId,
    customerName: b.customerName,
    domain: b.domain,
    cos: b.cos,
    quotaGb: b.quotaGb,
    accounts: b.highwater,
    peakDate: b.peakDate,
    itemName: b.itemName,
    unitPriceCents: null,
    amountCents: null,
    docNumber: null,
    invoiceStatus: status,
  });
  if (!conn) {
    return {
      lines: billable.map((b) => unpricedLine(b, 'not priced')),
      priceSource:
        'Not available: QuickBooks is not connected, so amounts are left empty (run `qb-bridge authorize-qbo`)',
      failures: [],
    };
  }
  const prices = await loadPrices(
    conn,
    billable.map((b) => b.itemId),
  );
  const readAt = new Date().toISOString();
  const { invoices, unpriced } = buildInvoices(billable, prices, period);
  const lines: ReportLine[] = invoices.flatMap((inv) =>
    inv.lines.map((l) => ({
      customerId: inv.customerId,
      customerName: inv.customerName,
      domain: l.domain,
      cos: l.cos,
      quotaGb: l.quotaGb,
      accounts: l.quantity,
      peakDate: l.peakDate,
      itemName: l.itemName,
      unitPriceCents: l.unitPriceCents,
      amountCents: l.amountCents,
      docNumber: inv.docNumber,
      invoiceStatus: 'preview',
    })),
  );
  const unpricedIds = new Set(unpriced.map((u) => u.customerId));
  lines.push(
    ...billable.filter((b) => unpricedIds.has(b.customerId)).map((b) => unpricedLine(b, 'no price')),
  );
  return {
    lines,
    priceSource: `QuickBooks item prices read ${readAt} (realm ${conn.realmId}); no invoices created`,
    failures: unpriced.map((u) => ({ customerId: u.customerId, error: u.error })),
  };
}

function writeJson(file: string, summary: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** A SourceError becomes the CLI's exit code: a setting or host key to fix → 4, a network problem → 1. */
export function sourceFailure(error: SourceError): CliError {
  return new CliError(error.kind === 'io' ? ExitCode.failed : ExitCode.notConfigured, error.message);
}

/**
 * A run killed with -9 leaves its job "running" until the heartbeat goes stale (10 minutes); when the job
 * names a process on this host that no longer exists, the next run takes over at once. Returns that
 * process's description, or null when it is alive or elsewhere.
 */
function ownerGone(startedBy: string): string | null {
  const match = /\(pid (\d+) on (.+)\)$/.exec(startedBy);
  if (!match || match[2] !== os.hostname() || Number(match[1]) === process.pid) return null;
  try {
    process.kill(Number(match[1]), 0);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? `pid ${match[1]}` : null;
  }
}

/**
 * Starts the month as a job (synchronously: a second start for the same month throws
 * JobAlreadyRunningError with the running job's id) and runs it; `result` settles when it ends.
 */
export function startMonthlyBilling(
  ctx: AppContext,
  options: RunOptions,
): { job: Job; result: Promise<RunResult> } {
  const scope = periodKey(options.period);
  const active = ctx.jobs.active('zimbra', scope);
  const owner = active && ownerGone(active.startedBy);
  if (active && owner)
    ctx.jobs.cancel(active.id, `the process that ran it (${owner}) is gone; a new run continues`);
  const job = ctx.jobs.start({
    flow: 'zimbra',
    scope,
    startedBy: `${options.actor} (pid ${process.pid} on ${os.hostname()})`,
    dryRun: options.dryRun,
    total: 0,
  });
  const result = runJob(ctx, options, job).catch((error: unknown) => {
    ctx.jobs.fail(job.id, error instanceof Error ? error.message : String(error));
    throw error;
  });
  return { job, result };
}

export function runMonthlyBilling(ctx: AppContext, options: RunOptions): Promise<RunResult> {
  return startMonthlyBilling(ctx, options).result;
}

async function runJob(ctx: AppContext, options: RunOptions, job: Job): Promise<RunResult> {
  const startedAt = new Date();
  const { period } = options;
  const say = options.onLine ?? (() => {});
  const errors: string[] = [];
  let usage = {
    reports: 0,
    badLines: 0,
    pairs: 0,
    domains: 0,
    skippedReports: [] as Array<{ name: string; reason: string }>,
  };
  let source: string | null = null;

  options.onStep?.(
    1,
    options.skipFetch ? 'Fetching usage reports... skipped (--skip-fetch)' : 'Fetching usage reports...',
  );
  if (!options.skipFetch) {
    try {
      const fetched = await fetchUsage(ctx, period, say);
      source = fetched.source;
      usage = {
        ...usage,
        reports: fetched.reports,
        badLines: fetched.badLines,
        skippedReports: fetched.skipped,
      };
      say(
        `      Fetched ${fetched.reports} reports from ${fetched.source}${fetched.badLines ? ` (${fetched.badLines} bad lines skipped)` : ''}`,
      );
    } catch (error) {
      if (error instanceof SourceError) throw sourceFailure(error);
      throw error;
    }
  }

  options.onStep?.(2, 'Computing high-water marks...');
  let picture = monthPicture(ctx, period);
  usage.pairs = picture.highwater.length;
  usage.domains = new Set(picture.highwater.map((h) => h.domain)).size;
  if (options.skipFetch) {
    const { from, to } = monthRange(period);
    const stored = new ZimbraStore(ctx.db).reportsBetween(from, to);
    usage.reports = stored.length;
    usage.badLines = stored.reduce((s, r) => s + r.badLines, 0);
  }
  say(
    `      ${usage.pairs} domain/CoS pairs in ${usage.domains} domains; ${picture.billable.length} billable`,
  );
  if (picture.highwater.length === 0) {
    errors.push(
      `No usage stored for ${periodKey(period)}: fetch the month's reports first (run without --skip-fetch)`,
    );
  }

  let skipped: SkippedItem[] = [];
  if (options.skipReconciliation) {
    options.onStep?.(3, 'Reconciling domains and CoS... skipped (--skip-reconciliation)');
  } else {
    options.onStep?.(3, 'Reconciling domains and CoS...');
    if (options.prompter && (picture.unmappedDomains.length > 0 || picture.unmappedCos.length > 0)) {
      const conn = tryOpenQbo(ctx);
      if (!conn)
        throw new CliError(
          ExitCode.notConfigured,
          'QuickBooks is not connected; run `qb-bridge authorize-qbo` to map domains',
        );
      if ((await promptMappings(ctx, conn, picture, options.prompter, options.actor)) > 0)
        picture = monthPicture(ctx, period);
    }
    skipped = skippedItems(picture);
    say(
      `      ${picture.unmappedDomains.length} unmapped domains, ${picture.unmappedCos.length} unmapped CoS, ${picture.excluded.length} excluded pairs`,
    );
  }

  let invoices: InvoiceResult[] | null = null;
  let preview: { lines: ReportLine[]; priceSource: string } = { lines: [], priceSource: '' };
  if (options.skipInvoices) {
    options.onStep?.(4, 'Generating QuickBooks invoices... skipped (--skip-invoices)');
    preview = await previewLines(ctx, picture, period, options.customerId);
  } else {
    options.onStep?.(
      4,
      `Generating QuickBooks invoices...${options.dryRun ? ' (dry run: nothing is written)' : ''}`,
    );
    const conn = openQbo(ctx);
    const step = await invoiceMonth(ctx, conn, picture.billable, period, {
      dryRun: options.dryRun,
      customerId: options.customerId,
      onProgress: (done, total) => {
        ctx.jobs.progress(job.id, { done, total });
        options.onProgress?.(done, total);
      },
    });
    invoices = step.results;
    preview.priceSource = `QuickBooks item prices read ${step.pricesReadAt} (realm ${conn.realmId}), once per item`;
    const count = (o: string) => step.results.filter((r) => r.outcome === o).length;
    say(
      options.dryRun
        ? `      Would create ${count('planned')} invoices (${count('existing')} already exist)`
        : `      Created ${count('created')} invoices (${count('existing')} already existed, ${count('updated')} gained late lines, ${count('failed')} failed)`,
    );
  }

  options.onStep?.(5, 'Writing the Excel report...');
  const data = reportData(period, picture, invoices, preview);
  const excelPath = await writeWorkbook(data, reportPath(options.reportDir ?? ctx.config.dataDir, data));
  say(`      ${excelPath}`);

  options.onStep?.(6, 'Summary');
  const summary = buildSummary({
    period,
    startedAt,
    version,
    jobId: job.id,
    dryRun: Boolean(options.dryRun),
    steps: {
      fetch: !options.skipFetch,
      reconciliation: !options.skipReconciliation,
      invoices: !options.skipInvoices,
    },
    source,
    usage,
    invoices,
    skipped,
    excludedPairs: picture.excluded.length,
    excelPath,
    jsonPath: options.jsonOutput ?? null,
    errors,
  });
  if (options.jsonOutput) writeJson(options.jsonOutput, summary);
  const status = runStatus({ invoices, errors, dryRun: Boolean(options.dryRun) });
  const failed = (invoices ?? []).filter((r) => r.outcome === 'failed').length;
  ctx.jobs.progress(job.id, { failed });
  const finished =
    status === 'failed'
      ? ctx.jobs.fail(job.id, errors.join('; '), summary)
      : ctx.jobs.finish(job.id, summary);
  const exitCode =
    status === 'failed' ? ExitCode.failed : status === 'partial_success' ? ExitCode.partial : ExitCode.done;
  return { summary, exitCode, job: finished };
}
