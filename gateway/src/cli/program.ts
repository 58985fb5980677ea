import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load';
import { JobAlreadyRunningError } from '../jobs/jobs';
import { ReconnectRequiredError } from '../qbo/oauth/token-source';
import { NewerStoreError } from '../store/migrations';
import { SecretKeyError } from '../store/secrets';
import { version } from '../version';
import { CliError, ExitCode } from './exit-codes';
import { registerCommands } from './register';
import type { CliRuntime } from './runtime';

export function buildProgram(runtime: CliRuntime): Command {
  const program = new Command('qb-bridge')
    .description('Connects billing sources (Sheets, MIS, Zimbra, QuickBooks Desktop) to QuickBooks')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  registerCommands(program, runtime);
  forEachCommand(program, (command) => {
    command.exitOverride();
    exclusiveSecretSources(command);
  });
  return program;
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  for (const sub of command.commands) {
    visit(sub);
    forEachCommand(sub, visit);
  }
}

/**
 * A secret comes from one place: `--password-stdin` together with `--generate` would silently ignore what
 * was piped in, so any command offering both refuses the pair as a usage error.
 */
function exclusiveSecretSources(command: Command): void {
  const stdin = command.options.find((o) => o.long === '--password-stdin');
  const generate = command.options.find((o) => o.long === '--generate');
  if (stdin && generate) {
    stdin.conflicts(generate.attributeName());
    generate.conflicts(stdin.attributeName());
  }
}

/**
 * `fetch failed` says nothing; its cause says which address refused or could not be found. One line with
 * the address and what to check instead.
 */
export function networkErrorMessage(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== 'fetch failed') return undefined;
  const cause = (error as { cause?: { code?: string; address?: string; port?: number; hostname?: string } })
    .cause;
  const where = cause?.address
    ? `${cause.address}${cause.port ? `:${cause.port}` : ''}`
    : (cause?.hostname ?? 'the server');
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return `Could not connect to ${where}: nothing is listening there; start it (e.g. \`qb-bridge serve\`) or check --url and the port`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Could not find the host ${where}; check the URL's host name`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `The connection to ${where} was closed before an answer; check that the URL points at qb-bridge`;
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return `Could not connect to ${where} in time; check the URL and any firewall in between`;
    default:
      return `Could not reach ${where}${cause?.code ? ` (${cause.code})` : ''}; check the URL and that the server is running`;
  }
}

/** Maps any failure to the documented exit codes, printing one clear line instead of a stack trace. */
export function exitCodeFor(error: unknown, runtime: CliRuntime): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.done;
    // A command group run without a subcommand prints its help as an error (exitCode 1): a usage error.
    if (error.code === 'commander.help') return error.exitCode === 0 ? ExitCode.done : ExitCode.usage;
    return ExitCode.usage;
  }
  if (error instanceof CliError) {
    runtime.err(error.message);
    return error.exitCode;
  }
  if (error instanceof ConfigError || error instanceof SecretKeyError || error instanceof NewerStoreError) {
    runtime.err(`Configuration error: ${error.message}`);
    return ExitCode.notConfigured;
  }
  if (error instanceof ReconnectRequiredError) {
    runtime.err(error.message);
    return ExitCode.notConfigured;
  }
  if (error instanceof JobAlreadyRunningError) {
    runtime.err(error.message);
    return ExitCode.failed;
  }
  const network = networkErrorMessage(error);
  if (network) {
    runtime.err(network);
    return ExitCode.failed;
  }
  runtime.err(`Failed: ${error instanceof Error ? error.message : String(error)}`);
  if (runtime.env.QB_BRIDGE_DEBUG && error instanceof Error && error.stack) runtime.err(error.stack);
  return ExitCode.failed;
}

/** Runs a command line; returns the exit code (commands may set process.exitCode for partial results). */
export async function runCli(argv: readonly string[], runtime: CliRuntime): Promise<number> {
  const program = buildProgram(runtime);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.done;
  } catch (error) {
    return exitCodeFor(error, runtime);
  }
}
