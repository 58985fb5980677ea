import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { readPassword } from '../sessions/read-password';
import { playSession } from './play-session';

/** `qbwc play-session`: a whole Web Connector session against a running gateway (demo and checks). */
export function registerQbwcPlayCommand(qbwc: Command, runtime: CliRuntime): void {
  qbwc
    .command('play-session')
    .description(
      'Play a whole Web Connector session against a running gateway with sample QuickBooks answers',
    )
    .requiredOption('--url <url>', 'the gateway, e.g. http://127.0.0.1:8787')
    .option('--username <name>', 'Web Connector user name (default: the configured one)')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .option('--fixtures <set>', 'sample answers to use (only "default" exists)', 'default')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        url: string;
        username?: string;
        passwordStdin?: boolean;
        fixtures: string;
        json?: boolean;
      }) => {
        if (options.fixtures !== 'default') {
          throw new CliError(
            ExitCode.usage,
            `Unknown --fixtures "${options.fixtures}"; only "default" exists`,
          );
        }
        const username = options.username ?? runtime.config().QBWC_USERNAME;
        const password = await readPassword(runtime, options.passwordStdin, false);
        const trace: string[] = [];
        const result = await playSession({
          url: options.url,
          username,
          password,
          onCall: (method, answer) =>
            trace.push(`${method} → ${answer.length > 90 ? `${answer.slice(0, 90)}…` : answer}`),
        });
        runtime.print(result, options, () =>
          [
            ...trace,
            '',
            `Outcome: ${result.outcome}; ${result.requests} request(s): ${result.requestKinds.join(', ') || 'none'}`,
            `Progress: ${result.percents.join(' → ') || '-'}`,
            ...(result.lastError ? [`Last error: ${result.lastError}`] : []),
            `closeConnection said: ${result.closeMessage}`,
          ].join('\n'),
        );
        if (result.outcome === 'refused' || result.outcome === 'failed') process.exitCode = ExitCode.failed;
      },
    );
}
