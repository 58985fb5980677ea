import type { Command } from 'commander';
import type { AppContext } from '../app/context';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { openQbo } from './connection';
import { type CustomerSyncSummary, syncCustomers } from './customers-cache';
import { createQboClient } from './http/client';
import { qboEndpoints } from './http/endpoints';
import { QboError } from './http/errors';
import { ReconnectRequiredError } from './oauth/token-source';
import { type ConnectionStatus, createTokenVault } from './oauth/token-vault';

/**
 * The QuickBooks part of `qb-bridge test-connections` (the command is in doctor/, which may also reach the
 * Zimbra flow) and `qb-bridge sync-customers`. Both go through the same client the flows use, so a green
 * test-connections means the flows can reach QuickBooks too.
 */

export interface QboConnectionCheck {
  ok: boolean;
  environment: string;
  realmId: string | null;
  companyName: string | null;
  token: ConnectionStatus | null;
  intuitTid?: string;
  message: string;
}

/** Maps "cannot talk to QuickBooks" to the exit codes scripts rely on: 4 = connect first, 1 = failed. */
function cliErrorFor(error: unknown): unknown {
  if (error instanceof ReconnectRequiredError) return new CliError(ExitCode.notConfigured, error.message);
  if (error instanceof QboError) {
    const code =
      error.category === 'reconnect' || error.category === 'auth' ? ExitCode.notConfigured : ExitCode.failed;
    return new CliError(
      code,
      `QuickBooks: ${error.userMessage()}${error.intuitTid ? ` (intuit_tid ${error.intuitTid})` : ''}`,
    );
  }
  return error;
}

/** Where the API answers from, for the one line a check prints when nothing answers there. */
function unreachable(ctx: AppContext, error: QboError): CliError {
  const base = qboEndpoints(ctx.config).apiBaseUrl;
  const hint =
    ctx.config.QBO_ENVIRONMENT === 'emulator' || ctx.config.QBO_API_BASE_URL
      ? 'is the emulator or QBO_API_BASE_URL server running (`qb-bridge qbo-emulator`)?'
      : "check this machine's internet connection and status.developer.intuit.com";
  const detail = error.errors[0]?.code === 'timeout' ? 'no answer in time' : 'connection failed';
  return new CliError(ExitCode.failed, `QuickBooks could not be reached at ${base} (${detail}); ${hint}`);
}

/**
 * Reads CompanyInfo through the client; throws CliError with exit 4 when QuickBooks is not connected. A
 * check answers at once: one attempt, no backoff, and the client's per-call warnings stay out of the way of
 * the one sentence it ends with.
 */
export async function checkQboConnection(ctx: AppContext, realm?: string): Promise<QboConnectionCheck> {
  try {
    const { realmId, token } = openQbo(ctx, realm);
    const client = createQboClient(ctx, {
      realmId,
      tokens: createTokenVault(ctx),
      retry: { maxAttempts: 0 },
      timeoutMs: 15_000,
      log: ctx.log.child({}, { level: 'error' }),
    });
    const info = await client.companyInfo();
    const companyName = typeof info.CompanyName === 'string' ? info.CompanyName : null;
    return {
      ok: true,
      environment: ctx.config.QBO_ENVIRONMENT,
      realmId: client.realmId,
      companyName,
      token,
      message: `QuickBooks: connected to "${companyName ?? 'unnamed company'}" (realm ${client.realmId}, ${ctx.config.QBO_ENVIRONMENT})`,
    };
  } catch (error) {
    if (error instanceof QboError && error.status === 0) throw unreachable(ctx, error);
    throw cliErrorFor(error);
  }
}

export function tokenLines(token: ConnectionStatus | null): string[] {
  if (!token) return ['  token: no stored connection details'];
  const lines = [
    `  token: ${token.status}${token.accessExpiresAt ? `, access token valid until ${token.accessExpiresAt}` : ''}`,
  ];
  if (token.refreshExpiresAt) lines.push(`  refresh token valid until ${token.refreshExpiresAt}`);
  if (token.hardExpiresAt) lines.push(`  connection must be renewed by ${token.hardExpiresAt}`);
  for (const warning of token.warnings) lines.push(`  warning: ${warning}`);
  return lines;
}

export function registerQboCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('sync-customers')
    .description('Copy every QuickBooks customer (inactive included) into the local cache')
    .option('--realm <id>', 'the company (realm) id when several are connected')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { realm?: string; json?: boolean }) => {
      const ctx = runtime.open();
      let summary: CustomerSyncSummary;
      try {
        const { client } = openQbo(ctx, options.realm);
        summary = await syncCustomers(client, ctx.db);
      } catch (error) {
        ctx.audit.record({
          actor: 'cli',
          action: 'qbo.sync_customers',
          target: options.realm,
          outcome: 'failure',
          details: { error: error instanceof QboError ? error.toJSON() : String(error) },
        });
        throw cliErrorFor(error);
      }
      ctx.audit.record({
        actor: 'cli',
        action: 'qbo.sync_customers',
        target: summary.realmId,
        outcome: 'success',
        details: { ...summary },
      });
      runtime.print(
        summary,
        options,
        () =>
          `Cached ${summary.total} customers of company ${summary.realmId} (${summary.active} active, ${summary.inactive} inactive): ` +
          `${summary.added} new, ${summary.updated} changed, ${summary.removed} removed, read in ${summary.pages} page${summary.pages === 1 ? '' : 's'}`,
      );
    });
}
