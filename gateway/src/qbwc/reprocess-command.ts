/** `qb-bridge qbwc reprocess --period YYYY-MM | --all [--json]` (the lead wires it into the `qbwc` group). */
import type { Command } from 'commander';
import { formatCents } from '../../../shared/src/money';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { recordQbrAudit } from './audit/audit';
import { isPeriod } from './metrics/plan';
import {
  NothingToReprocessError,
  type ReprocessScope,
  type ReprocessSummary,
  reprocess,
} from './metrics/reprocess';

function scopeFrom(options: { period?: string; all?: boolean }): ReprocessScope {
  if (options.period !== undefined && options.all) {
    throw new CliError(ExitCode.usage, 'Give either --period YYYY-MM or --all, not both');
  }
  if (options.all) return { all: true };
  if (options.period === undefined) {
    throw new CliError(ExitCode.usage, 'Say which months to recompute: --period YYYY-MM or --all');
  }
  if (!isPeriod(options.period)) {
    throw new CliError(
      ExitCode.usage,
      `--period "${options.period}" must be a month written YYYY-MM, e.g. 2025-01`,
    );
  }
  return { period: options.period };
}

function human(summary: ReprocessSummary): string {
  const lines = summary.periods.map((p) =>
    p.outcome === 'reprocessed'
      ? `${p.period}  recomputed: revenue ${p.metrics?.total_revenue}, expenses ${p.metrics?.total_expenses}, net profit ${p.metrics?.net_profit}${p.unmappedCount ? `, ${p.unmappedCount} unmapped account(s)` : ''}${p.reconciliationDifferenceCents ? `, DIFFERS from QuickBooks' Net Income by ${formatCents(p.reconciliationDifferenceCents)}` : ''}`
      : `${p.period}  FAILED: ${p.error}`,
  );
  lines.push(`${summary.reprocessed} month(s) recomputed, ${summary.failed} failed`);
  return lines.join('\n');
}

export function registerQbwcReprocessCommand(qbwcGroup: Command, runtime: CliRuntime): void {
  qbwcGroup
    .command('reprocess')
    .description(
      'Recompute QBR metrics from stored Web Connector responses with the current account mappings',
    )
    .option('--period <YYYY-MM>', 'the month to recompute')
    .option('--all', 'recompute every month that has a stored Profit & Loss response')
    .option('--json', 'print the summary as JSON')
    .action((options: { period?: string; all?: boolean; json?: boolean }) => {
      const scope = scopeFrom(options);
      const ctx = runtime.open();
      let summary: ReprocessSummary;
      try {
        summary = reprocess(ctx, scope);
      } catch (error) {
        if (error instanceof NothingToReprocessError) throw new CliError(ExitCode.failed, error.message);
        throw error;
      }
      recordQbrAudit(ctx.db, {
        actor: 'cli',
        action: 'qbwc_reprocess',
        outcome: summary.failed === 0 ? 'success' : 'failure',
        resource: summary.scope,
        details: { reprocessed: summary.reprocessed, failed: summary.failed },
      });
      runtime.print(summary, options, () => human(summary));
      if (summary.failed > 0) {
        process.exitCode = summary.reprocessed > 0 ? ExitCode.partial : ExitCode.failed;
      }
    });
}
