import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { createEmulator } from './emulator';

interface EmulatorCommandOptions {
  port: number;
  host: string;
  timeScale: number;
  realmId?: string;
  clientId: string;
  clientSecret: string;
  seed: boolean;
  json?: boolean;
}

const positiveNumber = (label: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new CliError(ExitCode.usage, `${label} must be a positive number, got "${value}"`);
  }
  return number;
};

const portNumber = (value: string) => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(ExitCode.usage, `--port must be a port number (0-65535), got "${value}"`);
  }
  return port;
};

export function registerSandboxCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('qbo-emulator')
    .description('Run the offline QuickBooks Online emulator (OAuth + API) as a local server')
    .option('--port <port>', 'port to listen on (0 = any free port)', portNumber, 8788)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--time-scale <n>',
      'speed up QuickBooks time (60: a rate-limit minute lasts 1 s)',
      positiveNumber('--time-scale'),
      1,
    )
    .option('--realm-id <digits>', 'company id of the emulated company')
    .option('--client-id <id>', 'OAuth client id the emulator accepts', 'emulator-client')
    .option('--client-secret <secret>', 'OAuth client secret the emulator accepts', 'emulator-secret')
    .option('--no-seed', 'start with an empty company instead of the demo lists')
    .option('--json', 'print the connection details as JSON')
    .action(async (options: EmulatorCommandOptions) => {
      if (options.realmId !== undefined && !/^\d+$/.test(options.realmId)) {
        throw new CliError(ExitCode.usage, `--realm-id must be digits, got "${options.realmId}"`);
      }
      const emulator = createEmulator({
        timeScale: options.timeScale,
        realmId: options.realmId,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        seed: options.seed,
      });
      let running: Awaited<ReturnType<typeof emulator.listen>>;
      try {
        running = await emulator.listen(options.port, options.host);
      } catch (error) {
        throw new CliError(
          ExitCode.failed,
          `Cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`,
        );
      }
      runtime.keepAlive = true;
      const summary = {
        url: running.url,
        realmId: emulator.realmId,
        clientId: emulator.clientId,
        clientSecret: emulator.clientSecret,
        timeScale: options.timeScale,
        limits: emulator.limits,
      };
      runtime.print(summary, options, () =>
        [
          `QuickBooks Online emulator listening on ${running.url}`,
          `  company (realmId): ${emulator.realmId}`,
          `  client id:         ${emulator.clientId}`,
          `  client secret:     ${emulator.clientSecret}`,
          `  time scale:        ${options.timeScale}`,
          'Point qb-bridge at it with:',
          '  QBO_ENVIRONMENT=emulator',
          `  QBO_API_BASE_URL=${running.url}`,
          `  QBO_CLIENT_ID=${emulator.clientId} QBO_CLIENT_SECRET=${emulator.clientSecret}`,
          // Without it the gateway waits out a 429 in real seconds while the emulator counts scaled ones.
          ...(options.timeScale === 1 ? [] : [`  QBO_EMULATOR_TIME_SCALE=${options.timeScale}`]),
          'Press Ctrl+C to stop.',
        ].join('\n'),
      );
      const stop = () => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
