import { centsToDecimal } from '../../../../shared/src/money';
import type { InvoiceResult } from '../invoices';
import type { Period } from '../report/highwater';

/**
 * The JSON summary (`--json-output PATH`, the job's summary, the API) with the seed's fields
 * (seed-systems.md §1.10) so monitoring written for it keeps working: `run_metadata`, `invoices{total_count,
 * success_count, failed_count, total_amount, details}`, `failures`, `reconciliation{skipped_domains,
 * skipped_cos, items}`, `reports`, `status`. Money is computed in cents; `total_amount` is the decimal of
 * that integer (`total_amount_cents` carries it exactly). Written even when invoices failed.
 */

export interface SkippedItem {
  type: 'domain' | 'cos';
  name: string;
  reason: string;
  accounts: number;
  suggestion?: string;
}

export interface SummaryInput {
  period: Period;
  startedAt: Date;
  version: string;
  jobId: string | null;
  dryRun: boolean;
  steps: { fetch: boolean; reconciliation: boolean; invoices: boolean };
  source: string | null;
  usage: {
    reports: number;
    badLines: number;
    pairs: number;
    domains: number;
    skippedReports: Array<{ name: string; reason: string }>;
  };
  invoices: InvoiceResult[] | null;
  skipped: SkippedItem[];
  excludedPairs: number;
  excelPath: string | null;
  jsonPath: string | null;
  errors: string[];
}

export type RunStatus = 'success' | 'partial_success' | 'failed' | 'dry_run';

export function runStatus(input: Pick<SummaryInput, 'invoices' | 'errors' | 'dryRun'>): RunStatus {
  if (input.errors.length > 0) return 'failed';
  if (input.dryRun) return 'dry_run';
  const failed = (input.invoices ?? []).some((r) => r.outcome === 'failed');
  return failed ? 'partial_success' : 'success';
}

export function buildSummary(input: SummaryInput): Record<string, unknown> {
  const results = input.invoices ?? [];
  const ok = results.filter(
    (r) => r.outcome === 'created' || r.outcome === 'existing' || r.outcome === 'updated',
  );
  const failed = results.filter((r) => r.outcome === 'failed');
  const totalCents = ok.reduce((s, r) => s + r.totalCents, 0);
  const count = (o: InvoiceResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const notAdded = results.flatMap((r) =>
    (r.notAdded ?? []).map((n) => ({
      customer_id: r.customerId,
      ...n,
      amount: centsToDecimal(n.amountCents),
    })),
  );
  return {
    run_metadata: {
      timestamp: input.startedAt.toISOString(),
      timestamp_unix: Math.floor(input.startedAt.getTime() / 1000),
      billing_period: { year: input.period.year, month: input.period.month },
      version: input.version,
      job_id: input.jobId,
      dry_run: input.dryRun,
      steps: input.steps,
      source: input.source,
    },
    usage: {
      reports: input.usage.reports,
      bad_lines: input.usage.badLines,
      domains: input.usage.domains,
      domain_cos_pairs: input.usage.pairs,
      skipped_reports: input.usage.skippedReports,
    },
    invoices: {
      total_count: results.length,
      success_count: ok.length,
      failed_count: failed.length,
      created_count: count('created'),
      existing_count: count('existing'),
      updated_count: count('updated'),
      planned_count: count('planned'),
      total_amount: centsToDecimal(totalCents),
      total_amount_cents: totalCents,
      average_amount: ok.length === 0 ? 0 : centsToDecimal(Math.round(totalCents / ok.length)),
      details: results.map((r) => ({
        qbo_invoice_id: r.qboInvoiceId,
        customer_id: r.customerId,
        customer_name: r.customerName,
        doc_number: r.docNumber,
        total_amount: centsToDecimal(r.totalCents),
        total_amount_cents: r.totalCents,
        line_items_count: r.lineCount,
        status: r.outcome === 'failed' ? 'failed' : r.outcome === 'planned' ? 'planned' : 'draft',
        outcome: r.outcome,
        ...(r.error ? { note: r.error } : {}),
      })),
      lines_not_added: notAdded,
    },
    failures: failed.map((r) => ({
      customer_id: r.customerId,
      customer_name: r.customerName,
      error: r.error ?? 'failed',
    })),
    reconciliation: {
      skipped_domains: input.skipped.filter((s) => s.type === 'domain').length,
      skipped_cos: input.skipped.filter((s) => s.type === 'cos').length,
      excluded_pairs: input.excludedPairs,
      items: input.skipped,
    },
    reports: { excel_path: input.excelPath, json_path: input.jsonPath },
    errors: input.errors,
    status: runStatus(input),
  };
}
