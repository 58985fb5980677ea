import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { JobAlreadyRunningError } from '../../jobs/jobs';
import { type Period, periodKey } from '../report/highwater';
import { runMonthlyBilling, steps } from '../service';
import { interactive, money, type PeriodFlags, parsePeriod, withPrompter } from './options';

/** `run-monthly-billing`: the seed's month, every flag it had, plus `--dry-run`, `--customer` and `--json`. */

interface RunFlags extends PeriodFlags {
  skipFetch?: boolean;
  skipReconciliation?: boolean;
  skipInvoices?: boolean;
  nonInteractive?: boolean;
  dryRun?: boolean;
  retryRejected?: boolean;
  jsonOutput?: string;
  customer?: string;
  json?: boolean;
}

/** The parts of the JSON summary (billing/summary.ts) the readable summary shows. */
interface SummaryView {
  invoices: {
    created_count: number;
    existing_count: number;
    updated_count: number;
    failed_count: number;
    planned_count: number;
    total_amount_cents: number;
    lines_not_added: Array<{ domain: string; cos: string; amountCents: number; reason: string }>;
  };
  failures: Array<{ customer_name: string; error: string }>;
  reconciliation: {
    skipped_domains: number;
    skipped_cos: number;
    items: Array<{ type: string; name: string; suggestion?: string }>;
  };
  status: string;
}

function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? done / total : 1;
  const filled = Math.round(ratio * width);
  return `      [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

/** The seed's "Billing Summary" block, with what stayed unbilled and why. */
export function summaryLines(s: SummaryView, flags: RunFlags, period: Period): string[] {
  const lines = ['', 'Billing Summary:', `Billing Period: ${periodKey(period)}`];
  if (flags.skipInvoices) lines.push('Invoices: not created (--skip-invoices)');
  else if (flags.dryRun) lines.push(`Invoices that would be created: ${s.invoices.planned_count}`);
  else {
    lines.push(`Invoices Created: ${s.invoices.created_count}`);
    if (s.invoices.existing_count)
      lines.push(`Already existed (skipped, no duplicates): ${s.invoices.existing_count}`);
    if (s.invoices.updated_count)
      lines.push(`Unsent invoices that gained late-mapped lines: ${s.invoices.updated_count}`);
    lines.push(`Total Amount: ${money(s.invoices.total_amount_cents)}`);
  }
  for (const f of s.failures) lines.push(`FAILED ${f.customer_name}: ${f.error}`);
  for (const n of s.invoices.lines_not_added)
    lines.push(`Not billed: ${n.domain} - ${n.cos} ${money(n.amountCents)} (${n.reason}); bill it by hand`);
  if (s.reconciliation.items.length > 0) {
    lines.push(
      `Skipped: ${s.reconciliation.skipped_domains} unmapped domains, ${s.reconciliation.skipped_cos} unmapped CoS (run reconcile-domains / reconcile-cos):`,
    );
    for (const item of s.reconciliation.items.slice(0, 20))
      lines.push(`  ${item.type} ${item.name}${item.suggestion ? ` — suggested: ${item.suggestion}` : ''}`);
  }
  lines.push(`Status: ${s.status}`);
  return lines;
}

async function runCommand(runtime: CliRuntime, flags: RunFlags): Promise<void> {
  const period = parsePeriod(flags);
  const ctx = runtime.open();
  const tty = Boolean(process.stderr.isTTY) && !flags.json;
  const say = (text: string) => (flags.json ? runtime.err(text) : runtime.out(text));
  const result = await withPrompter(interactive(flags.nonInteractive) && !flags.json, (prompter) =>
    runMonthlyBilling(ctx, {
      period,
      skipFetch: flags.skipFetch,
      skipReconciliation: flags.skipReconciliation,
      skipInvoices: flags.skipInvoices,
      dryRun: flags.dryRun,
      retryRejected: flags.retryRejected,
      customerId: flags.customer,
      jsonOutput: flags.jsonOutput,
      prompter,
      actor: 'cli',
      onStep: (step, label) => say(`[${step}/${steps}] ${label}`),
      onLine: say,
      onProgress: tty
        ? (done, total) => {
            process.stderr.write(`\r\x1b[2K${progressBar(done, total)}`);
            if (done >= total) process.stderr.write('\n');
          }
        : undefined,
    }).catch((error) => {
      if (error instanceof JobAlreadyRunningError) throw new CliError(ExitCode.failed, error.message);
      throw error;
    }),
  );
  runtime.print(result.summary, flags, () =>
    summaryLines(result.summary as unknown as SummaryView, flags, period).join('\n'),
  );
  if (result.exitCode !== 0) process.exitCode = result.exitCode;
}

export function registerRunMonthlyBilling(program: Command, runtime: CliRuntime): void {
  program
    .command('run-monthly-billing')
    .description(
      'Zimbra: fetch the month’s usage reports, reconcile, create draft invoices, write the Excel and JSON reports',
    )
    .option('--year <year>', 'year to bill (default: the previous month’s)')
    .option('--month <month>', 'month to bill, 1-12 (default: the previous month)')
    .option('--skip-fetch', 'use the usage already stored instead of reading the reports again')
    .option('--skip-reconciliation', 'do not ask about (or list) unmapped domains and CoS')
    .option('--skip-invoices', 'report only: no invoices are created')
    .option('--non-interactive', 'never prompt; unmapped items are skipped and reported (for cron)')
    .option('--dry-run', 'show what would be created without writing to QuickBooks')
    .option(
      '--retry-rejected',
      'also send again invoices QuickBooks refused before (after you fixed the cause)',
    )
    .option('--customer <id>', 'bill only this QuickBooks customer Id')
    .option('--json-output <path>', 'also write the JSON summary to this file')
    .option('--json', 'print the JSON summary on stdout instead of the readable summary')
    .action((flags: RunFlags) => runCommand(runtime, flags));
}
