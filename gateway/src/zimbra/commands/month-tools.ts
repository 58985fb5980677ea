import type { Command } from 'commander';
import { ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { openQbo } from '../../qbo/index';
import { undoMonth } from '../invoices';
import { periodKey } from '../report/highwater';
import { sourceFailure } from '../service';
import { checkReportSource } from '../ssh/fetch';
import { SourceError } from '../ssh/source';
import { type PeriodFlags, parsePeriod } from './options';

/** `qb-bridge zimbra undo` (take a month's unsent drafts back) and `qb-bridge zimbra test-connection`. */

async function undo(runtime: CliRuntime, flags: PeriodFlags & { customer?: string; json?: boolean }) {
  const period = parsePeriod(flags);
  const ctx = runtime.open();
  const results = await undoMonth(ctx, openQbo(ctx), period, { customerId: flags.customer, actor: 'cli' });
  runtime.print(results, flags, () =>
    results.length === 0
      ? `qb-bridge created no invoices for ${periodKey(period)}${flags.customer ? ` for customer ${flags.customer}` : ''}.`
      : results
          .map(
            (r) =>
              `${r.docNumber} (customer ${r.customerId}): ${r.outcome}${r.reason ? ` — ${r.reason}` : ''}`,
          )
          .join('\n'),
  );
  if (results.some((r) => r.outcome !== 'deleted')) process.exitCode = ExitCode.partial;
}

async function testConnection(runtime: CliRuntime): Promise<void> {
  const ctx = runtime.open();
  try {
    runtime.out((await checkReportSource(ctx.config)).message);
  } catch (error) {
    if (error instanceof SourceError) throw sourceFailure(error);
    throw error;
  }
}

export function registerZimbraGroup(program: Command, runtime: CliRuntime): void {
  const zimbra = program
    .command('zimbra')
    .description('Zimbra billing: undo a month, test the SSH connection');
  zimbra
    .command('undo')
    .description(
      'Delete the still-unsent, unedited draft invoices qb-bridge created for a month (sent or edited ones are kept and listed)',
    )
    .requiredOption('--year <year>', 'year')
    .requiredOption('--month <month>', 'month, 1-12')
    .option('--customer <id>', 'only this QuickBooks customer Id')
    .option('--json', 'print JSON')
    .action((flags: PeriodFlags & { customer?: string; json?: boolean }) => undo(runtime, flags));

  zimbra
    .command('test-connection')
    .description('Connect to the Zimbra server (host key verified) and list the report folder')
    .action(() => testConnection(runtime));
}
