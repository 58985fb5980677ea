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
  for (const command of program.commands) command.exitOverride();
  return program;
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
