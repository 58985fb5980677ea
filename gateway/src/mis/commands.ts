/** `qb-bridge mis analyze|preview|batch|all|single|status` — the seed's promised `tools/sync_invoices.py`. */
import type { Command } from 'commander';
import { formatCents } from '../../../shared/src/money';
import type { AppContext } from '../app/context';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { renderJobLine } from '../jobs/render';
import { MisInputError, maxBatchesLimit, readInvoiceId, wholeNumber } from './input';
import { MisConnectionError, type MisDb, MisSchemaError } from './mis-db';
import { type AllResult, runAllJob, startAllJob } from './run-all';
import {
  analyze,
  type BatchResult,
  openMis,
  type PreviewInvoice,
  preview,
  progressPercentage,
  runBatch,
  runSingle,
  SingleInvoiceError,
  type Statistics,
  status,
} from './service';

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

function previewLine(i: PreviewInvoice): string {
  const amount = i.amount_cents === null ? '—' : formatCents(i.amount_cents);
  const who = i.student_details?.name || '?';
  const problem = i.problem ? `  ! ${i.problem}` : '';
  return `${i.doc_number.padEnd(12)} ${String(i.invoice_date ?? '')
    .slice(0, 10)
    .padEnd(
      10,
    )} ${String(i.reg_no ?? '').padEnd(16)} ${who.slice(0, 30).padEnd(30)} ${amount.padStart(14)}${problem}`;
}

function batchLines(result: BatchResult): string[] {
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

function allLines(result: AllResult): string[] {
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
function runExitCode(ok: number, bad: number): number {
  if (bad === 0) return ExitCode.done;
  return ok > 0 ? ExitCode.partial : ExitCode.failed;
}

function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MisInputError) throw new CliError(ExitCode.usage, error.message);
    throw error;
  }
}

const option = (name: string, min: number, max: number) => (value: string) =>
  asUsage(() => wholeNumber(name, value, min, max, { allowText: true }));

/** Opens the MIS for one command and always closes it; schema problems are "not configured" (exit 4). */
async function withMis<T>(runtime: CliRuntime, work: (ctx: AppContext, db: MisDb) => Promise<T>): Promise<T> {
  const ctx = runtime.open();
  let db: MisDb;
  try {
    db = await openMis(ctx);
  } catch (error) {
    if (error instanceof MisSchemaError) throw new CliError(ExitCode.notConfigured, error.message);
    if (error instanceof MisConnectionError) throw new CliError(ExitCode.failed, error.message);
    throw error;
  }
  try {
    return await work(ctx, db);
  } finally {
    await db.close();
  }
}

/** The flags of `mis all`. */
interface AllFlags {
  maxBatches?: number;
  batchSize: number;
  dryRun?: boolean;
  retryRejected?: boolean;
  json?: boolean;
}

export function registerMisCommands(program: Command, runtime: CliRuntime): void {
  const mis = program.command('mis').description('MIS (student records, MySQL) invoices to QuickBooks');

  mis
    .command('analyze')
    .description('Count invoices by synchronization status')
    .option('--json', 'print the statistics as JSON')
    .action((options: { json?: boolean }) =>
      withMis(runtime, async (_ctx, db) => {
        const stats = await analyze(db);
        runtime.print({ ...stats, progress_percentage: progressPercentage(stats) }, options, () =>
          statisticsLines(stats).join('\n'),
        );
      }),
    );

  mis
    .command('preview')
    .description('Show unsynchronized invoices and what each would become')
    .option('--limit <n>', 'how many (1-100)', option('--limit', 1, 100), 10)
    .option('--offset <n>', 'how many to skip', option('--offset', 0, 1_000_000_000), 0)
    .option('--json', 'print as JSON')
    .action((options: { limit: number; offset: number; json?: boolean }) =>
      withMis(runtime, async (_ctx, db) => {
        const page = await preview(db, options.limit, options.offset);
        runtime.print(page, options, () =>
          page.invoices.length === 0
            ? 'No unsynchronized invoices.'
            : page.invoices.map(previewLine).join('\n'),
        );
      }),
    );

  mis
    .command('batch')
    .description('Synchronize one batch of invoices')
    .option('--batch-size <n>', 'invoices in the batch (1-100)', option('--batch-size', 1, 100), 50)
    .option('--dry-run', 'show what would happen; write nothing to QuickBooks or the MIS')
    .option(
      '--retry-rejected',
      'also send again invoices QuickBooks refused before (after you fixed the cause)',
    )
    .option('--json', 'print the result as JSON')
    .action((options: { batchSize: number; dryRun?: boolean; retryRejected?: boolean; json?: boolean }) =>
      withMis(runtime, async (ctx, db) => {
        const result = await runBatch(ctx, db, options.batchSize, {
          dryRun: options.dryRun,
          retryRejected: options.retryRejected,
          by: 'cli',
        });
        runtime.print(result, options, () => batchLines(result).join('\n'));
        process.exitCode = runExitCode(result.successful, result.failed + result.pending);
      }),
    );

  mis
    .command('all')
    .description('Synchronize every claimable invoice, batch after batch, until none is left')
    .option('--max-batches <n>', 'stop after this many batches', option('--max-batches', 1, maxBatchesLimit))
    .option('--batch-size <n>', 'invoices per batch (1-100)', option('--batch-size', 1, 100), 50)
    .option('--dry-run', 'show what would happen; write nothing to QuickBooks or the MIS')
    .option(
      '--retry-rejected',
      'also send again invoices QuickBooks refused before (after you fixed the cause)',
    )
    .option('--json', 'print the result as JSON')
    .action((options: AllFlags) =>
      withMis(runtime, async (ctx, db) => {
        const job = await startAllJob(ctx, db, {
          maxBatches: options.maxBatches,
          batchSize: options.batchSize,
          dryRun: options.dryRun,
          startedBy: 'cli',
        });
        // Progress goes to stderr so `--json` on stdout stays parseable: a redrawn bar on a terminal,
        // one plain line per batch when piped (cron logs stay readable).
        const tty = process.stderr.isTTY === true;
        const result = await runAllJob(ctx, db, job, {
          maxBatches: options.maxBatches,
          batchSize: options.batchSize,
          dryRun: options.dryRun,
          retryRejected: options.retryRejected,
          by: 'cli',
          onBatch: () => {
            const current = ctx.jobs.get(job.id);
            if (current)
              process.stderr.write(
                tty ? `\r\x1b[2K${renderJobLine(current)}` : `${renderJobLine(current)}\n`,
              );
          },
        });
        if (tty && result.batches_processed > 0) process.stderr.write('\n');
        runtime.print({ job_id: job.id, ...result }, options, () => allLines(result).join('\n'));
        process.exitCode = runExitCode(result.total_successful, result.total_failed + result.total_pending);
      }),
    );

  mis
    .command('single')
    .description('Synchronize one invoice by its MIS id (also a failed one past its retries)')
    .argument('<id>', 'tbl_imvoice.id')
    .option('--dry-run', 'show what would happen; write nothing')
    .option(
      '--retry-rejected',
      'also send again an invoice QuickBooks refused before (after you fixed the cause)',
    )
    .option('--json', 'print the result as JSON')
    .action((idText: string, options: { dryRun?: boolean; retryRejected?: boolean; json?: boolean }) => {
      const id = asUsage(() => readInvoiceId(idText));
      return withMis(runtime, async (ctx, db) => {
        let result: BatchResult;
        try {
          result = await runSingle(ctx, db, id, {
            dryRun: options.dryRun,
            retryRejected: options.retryRejected,
            by: 'cli',
          });
        } catch (error) {
          if (error instanceof SingleInvoiceError && error.reason === 'already_synced') {
            runtime.print(
              { invoice_id: id, already_synced: true, message: error.message },
              options,
              () => error.message,
            );
            return;
          }
          if (error instanceof SingleInvoiceError) throw new CliError(ExitCode.failed, error.message);
          throw error;
        }
        runtime.print(result, options, () => batchLines(result).join('\n'));
        process.exitCode = runExitCode(result.successful, result.failed + result.pending);
      });
    });

  mis
    .command('status')
    .description('Statistics, progress, QuickBooks connection, the last run and failed invoices')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) =>
      withMis(runtime, async (ctx, db) => {
        const report = await status(ctx, db);
        runtime.print(report, options, () => {
          const lines = statisticsLines(report.statistics);
          lines.push(
            `QuickBooks: ${report.quickbooks_connected ? 'connected' : `not connected${report.quickbooks_message ? ` (${report.quickbooks_message})` : ''}`}`,
            `Last updated: ${report.last_updated ?? 'never'}`,
          );
          if (report.job) lines.push(`Last run: ${renderJobLine(report.job)}`);
          if (report.failed_invoices.count > 0) {
            lines.push(`Failed invoices (${report.failed_invoices.count}):`);
            for (const f of report.failed_invoices.rows) lines.push(`   invoice ${f.invoice_id}: ${f.error}`);
          }
          return lines.join('\n');
        });
      }),
    );
}
