/** `qb-bridge qbwc audit`: the Web Connector's audit trail (logins, sessions, REST changes), newest first. */
import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import { wholeNumberOption } from '../../cli/options';
import type { CliRuntime } from '../../cli/runtime';
import { knownQbrAuditActions, listQbrAudit, type QbrAuditRow } from './audit';

function line(row: QbrAuditRow): string {
  const who = row.ipAddress ? `${row.actor}@${row.ipAddress}` : row.actor;
  const why = row.failureReason ? ` (${row.failureReason})` : '';
  const what = row.resource ? ` ${row.resource}` : '';
  return `${row.timestamp}  ${row.outcome.padEnd(7)}  ${row.action}${what}  ${who}${why}`;
}

export function registerQbwcAuditCommand(qbwcGroup: Command, runtime: CliRuntime): void {
  qbwcGroup
    .command('audit')
    .description('Show the Web Connector audit log (qbr_audit_log): logins, sessions, mapping changes')
    .option('--limit <n>', 'how many rows, newest first', wholeNumberOption('--limit'), 50)
    .option('--action <name>', 'one action only, e.g. qbwc_auth, qbwc_sync, qbwc_connection_error')
    .option('--failures', 'only rows that did not succeed (failed logins, refused or failed sessions)')
    .option('--json', 'print the rows as JSON')
    .action((options: { limit: number; action?: string; failures?: boolean; json?: boolean }) => {
      const ctx = runtime.open();
      if (options.action !== undefined) {
        const known = knownQbrAuditActions(ctx.db);
        if (!known.includes(options.action)) {
          throw new CliError(
            ExitCode.usage,
            `--action ${options.action} is not an action of the Web Connector audit log; use one of: ${known.join(', ')}`,
          );
        }
      }
      const rows = listQbrAudit(ctx.db, {
        limit: options.limit,
        action: options.action,
        failuresOnly: options.failures === true,
      });
      runtime.print(rows, options, () =>
        rows.length === 0 ? 'No audit rows match.' : rows.map(line).join('\n'),
      );
    });
}
