import fs from 'node:fs';
import path from 'node:path';
import type { Job } from '../../jobs/jobs';
import type { Period } from '../report/highwater';

/**
 * Reading a month's run back from its job: the summary the run stored (seed field names), the totals the
 * runs table shows, and the Excel workbook it wrote, served only when the job names a billing report file.
 */

export interface RunFacts {
  period: string;
  status: string;
  mode: 'report only' | 'draft invoices' | 'dry run';
  invoices: number | null;
  failed: number | null;
  totalCents: number | null;
  skipped: number | null;
  excelPath: string | null;
}

function get(summary: Record<string, unknown> | null, ...keys: string[]): unknown {
  let value: unknown = summary;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);

export function runFacts(job: Job): RunFacts {
  const s = job.summary;
  const skipped =
    num(get(s, 'reconciliation', 'skipped_domains')) !== null
      ? (num(get(s, 'reconciliation', 'skipped_domains')) ?? 0) +
        (num(get(s, 'reconciliation', 'skipped_cos')) ?? 0)
      : null;
  const excel = get(s, 'reports', 'excel_path');
  // A report-only run made no invoices: its counts are not zeros to add up, so they are left empty.
  const invoiced = get(s, 'run_metadata', 'steps', 'invoices') !== false;
  return {
    period: job.scope,
    status: typeof get(s, 'status') === 'string' ? String(get(s, 'status')) : job.state,
    mode: job.dryRun ? 'dry run' : invoiced ? 'draft invoices' : 'report only',
    invoices: invoiced ? num(get(s, 'invoices', 'success_count')) : null,
    failed: invoiced ? num(get(s, 'invoices', 'failed_count')) : null,
    totalCents: invoiced ? num(get(s, 'invoices', 'total_amount_cents')) : null,
    skipped,
    excelPath: typeof excel === 'string' ? excel : null,
  };
}

/** The workbook a run wrote, when the job names one that still exists (the run's own name pattern only). */
export function runWorkbook(job: Job): string | null {
  const file = runFacts(job).excelPath;
  if (!file || !/^billing_report_\d{4}_\d{2}_\d{8}_\d{6}\.xlsx$/.test(path.basename(file))) return null;
  return fs.existsSync(file) ? file : null;
}

/** "2026-11" from a month field; null when it is not a month between 2000 and 2100. */
export function readMonth(value: string | undefined): Period | null {
  const m = /^(\d{4})-(\d{2})$/.exec((value ?? '').trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return year >= 2000 && year <= 2100 && month >= 1 && month <= 12 ? { year, month } : null;
}
