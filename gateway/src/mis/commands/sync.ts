import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { renderJobLine } from '../../jobs/render';
import { maxBatchesLimit, readInvoiceId } from '../input';
import { runAllJob, startAllJob } from '../run-all';
import { type BatchResult, runBatch, runSingle, SingleInvoiceError } from '../service';
import { asUsage, option, withMis } from './options';
import { allLines, batchLines, runExitCode } from './render';

type AllFlags = {
  maxBatches?: number;
  batchSize: number;
  dryRun?: boolean;
  retryRejected?: boolean;
  json?: boolean;
};
type OneFlags = { dryRun?: boolean; retryRejected?: boolean; json?: boolean };

/** `mis all`: one job, a progress bar on a terminal (plain lines when piped), the run's summary. */
function runAllCommand(runtime: CliRuntime, options: AllFlags): Promise<void> {
  return withMis(runtime, async (ctx, db) => {
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
          process.stderr.write(tty ? `\r\x1b[2K${renderJobLine(current)}` : `${renderJobLine(current)}\n`);
      },
    });
    if (tty && result.batches_processed > 0) process.stderr.write('\n');
    runtime.print({ job_id: job.id, ...result }, options, () => allLines(result).join('\n'));
    process.exitCode = runExitCode(result.total_successful, result.total_failed + result.total_pending);
  });
}

/** `mis batch`, `mis all` and `mis single`: the commands that write to QuickBooks (each has --dry-run). */
export function registerMisSyncCommands(mis: Command, runtime: CliRuntime): void {
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
    .action((options: OneFlags & { batchSize: number }) =>
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
    .action((options: AllFlags) => runAllCommand(runtime, options));

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
    .action((idText: string, options: OneFlags) => {
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
}
