import type { Command } from 'commander';
import type { CliRuntime } from '../../cli/runtime';
import { renderJobLine } from '../../jobs/render';
import { analyze, preview, progressPercentage, status } from '../service';
import { option, withMis } from './options';
import { previewLine, statisticsLines } from './render';

/** `mis analyze`, `mis preview` and `mis status`: they read the MIS and QuickBooks state, and change nothing. */
export function registerMisReadCommands(mis: Command, runtime: CliRuntime): void {
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
