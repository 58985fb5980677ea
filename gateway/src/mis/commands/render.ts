import { formatCents } from '../../../../shared/src/money';
import { ExitCode } from '../../cli/exit-codes';
import type { AllResult } from '../run-all';
import { type BatchResult, type PreviewInvoice, progressPercentage, type Statistics } from '../service';

/** How the MIS commands print: the seed's statistics block, preview lines, batch and run summaries. */

const thousands = (n: number) => n.toLocaleString('en-US');

export function statisticsLines(stats: Statistics): string[] {
  return [
    'Synchronization statistics:',
    `   Total invoices: ${thousands(stats.total_invoices)}`,
    `   Already synced: ${thousands(stats.already_synced)}`,
    `   Not synced:     ${thousands(stats.not_synced)}`,
    `   Failed:         ${thousands(stats.failed)}`,
    `   In progress:    ${thousands(stats.in_progress)}`,
    `   Progress:       ${progressPercentage(stats).toFixed(1)}%`,
  ];
}

export function previewLine(i: PreviewInvoice): string {
  const amount = i.amount_cents === null ? '—' : formatCents(i.amount_cents);
  const who = i.student_details?.name || '?';
  const problem = i.problem ? `  ! ${i.problem}` : '';
  return `${i.doc_number.padEnd(12)} ${String(i.invoice_date ?? '')
    .slice(0, 10)
    .padEnd(
      10,
    )} ${String(i.reg_no ?? '').padEnd(16)} ${who.slice(0, 30).padEnd(30)} ${amount.padStart(14)}${problem}`;
}

export function batchLines(result: BatchResult): string[] {
  const verb = result.dry_run ? 'would be synchronized' : 'synchronized';
  const lines = [
    `${result.dry_run ? 'Dry run: ' : ''}${result.total_processed} invoice(s) processed: ${result.successful} ${verb}, ${result.failed} failed${result.pending ? `, ${result.pending} left for a later run` : ''}`,
  ];
  if (result.dry_run && result.would_create_customers?.length) {
    lines.push(`   ${result.would_create_customers.length} new customer(s) would be created`);
  } else if (result.customers_created) {
    lines.push(`   ${result.customers_created} customer(s) created in QuickBooks`);
  }
  for (const e of result.errors) lines.push(`   invoice ${e.invoice_id}: ${e.error}`);
  return lines;
}

export function allLines(result: AllResult): string[] {
  const lines = [
    `${result.dry_run ? 'Dry run: ' : ''}${result.batches_processed} batch(es), ${result.total_processed} invoice(s): ${result.total_successful} ${result.dry_run ? 'would be synchronized' : 'synchronized'}, ${result.total_failed} failed${result.total_pending ? `, ${result.total_pending} left for a later run` : ''}`,
  ];
  if (result.customers_created)
    lines.push(
      `   ${result.customers_created} customer(s) ${result.dry_run ? 'would be ' : ''}created in QuickBooks`,
    );
  if (result.stopped_by_max_batches) lines.push('   stopped at --max-batches; more invoices are waiting');
  for (const e of result.errors) lines.push(`   invoice ${e.invoice_id}: ${e.error}`);
  if (result.errors_omitted) lines.push(`   … and ${result.errors_omitted} more`);
  if (result.still_failed.count > 0) {
    lines.push(
      `${result.still_failed.count} invoice(s) are in status 2 (failed); see \`qb-bridge mis status\``,
    );
  }
  return lines;
}

/** 0 all done, 3 some failed, 1 everything failed. */
export function runExitCode(ok: number, bad: number): number {
  if (bad === 0) return ExitCode.done;
  return ok > 0 ? ExitCode.partial : ExitCode.failed;
}
