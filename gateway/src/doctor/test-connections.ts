import type { Command } from 'commander';
import type { AppContext } from '../app/context';
import { CliError, ExitCode, type ExitCodeValue } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { checkQboConnection, type QboConnectionCheck, tokenLines } from '../qbo/commands';
import { sourceFailure } from '../zimbra/service';
import { checkReportSource } from '../zimbra/ssh/fetch';
import { SourceError } from '../zimbra/ssh/source';

/**
 * `qb-bridge test-connections`: the seed's "Test connections (should see green checkmarks)" — the Zimbra
 * server over SSH and QuickBooks. It lives here, beside `doctor`, because it reaches into two folders that
 * must not know each other (qbo/ never imports a flow). Each part is the check its owner already has:
 * `zimbra test-connection` (host key verified, key login, report folder listed) and the QuickBooks
 * CompanyInfo read. Both run, whatever the other answers, so one call shows everything to fix.
 */

interface ZimbraPart {
  ok: boolean;
  message: string;
  exitCode?: ExitCodeValue;
  reports?: number;
  newest?: string | null;
}

/** The SSH part; null when no Zimbra server is configured (ZIMBRA_HOST unset). */
async function zimbraPart(ctx: AppContext): Promise<ZimbraPart | null> {
  if (!ctx.config.ZIMBRA_HOST) return null;
  try {
    const check = await checkReportSource(ctx.config);
    return { ok: true, message: check.message, reports: check.reports, newest: check.newest };
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    return { ok: false, message: `✗ Zimbra: ${error.message}`, exitCode: sourceFailure(error).exitCode };
  }
}

type QboPart = { ok: true; check: QboConnectionCheck } | { ok: false; error: Error };

async function qboPart(ctx: AppContext, realm: string | undefined): Promise<QboPart> {
  try {
    return { ok: true, check: await checkQboConnection(ctx, realm) };
  } catch (error) {
    if (error instanceof Error) return { ok: false, error };
    throw error;
  }
}

function jsonOf(ctx: AppContext, zimbra: ZimbraPart | null, qbo: QboPart): object {
  const quickbooks = qbo.ok
    ? qbo.check
    : {
        ok: false,
        environment: ctx.config.QBO_ENVIRONMENT,
        ...(qbo.error instanceof CliError ? { exitCode: qbo.error.exitCode } : {}),
        message: qbo.error.message,
      };
  // The QuickBooks fields stay at the top level (scripts read them there); `zimbra` only when configured.
  return zimbra ? { ...quickbooks, ok: quickbooks.ok && zimbra.ok, zimbra } : quickbooks;
}

async function testConnections(runtime: CliRuntime, options: { realm?: string; json?: boolean }) {
  const ctx = runtime.open();
  const [zimbra, qbo] = await Promise.all([zimbraPart(ctx), qboPart(ctx, options.realm)]);
  if (options.json) runtime.out(JSON.stringify(jsonOf(ctx, zimbra, qbo), null, 2));
  else {
    if (zimbra === null) runtime.out('– Zimbra: no SSH server configured (set ZIMBRA_HOST to check it)');
    else if (zimbra.ok) runtime.out(zimbra.message);
    if (qbo.ok) runtime.out([qbo.check.message, ...tokenLines(qbo.check.token)].join('\n'));
  }
  if (!qbo.ok) {
    // Both failed: the Zimbra sentence goes to stderr too, then the QuickBooks one ends the command.
    if (zimbra && !zimbra.ok) runtime.err(zimbra.message);
    throw qbo.error;
  }
  if (zimbra && !zimbra.ok) throw new CliError(zimbra.exitCode ?? ExitCode.failed, zimbra.message);
}

export function registerTestConnectionsCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('test-connections')
    .description(
      'Check the connections: the Zimbra server over SSH (host key verified, report folder listed) when ZIMBRA_HOST is set, and QuickBooks (reads CompanyInfo; shows company, realm and token health)',
    )
    .option('--realm <id>', 'the company (realm) id when several are connected')
    .option('--json', 'print the result as JSON')
    .action((options: { realm?: string; json?: boolean }) => testConnections(runtime, options));
}
