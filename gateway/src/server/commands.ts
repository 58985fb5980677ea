import path from 'node:path';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli/runtime';
import { startServer, stopOnSignals } from './serve';

export function registerServerCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('serve')
    .description('Start the gateway (REST, SOAP, dashboard) on PORT (default 8787)')
    .option('--port <port>', 'override PORT', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .action(async (options: { port?: number; host: string }) => {
      const ctx = runtime.open();
      runtime.keepAlive = true;
      const running = await startServer(ctx, options.port ?? ctx.config.PORT, options.host);
      stopOnSignals(running, ctx);
      ctx.log.info({ url: running.url }, 'qb-bridge gateway listening');
      runtime.out(`qb-bridge listening on ${running.url}`);
    });

  program
    .command('demo')
    .description('Start a demo gateway on embedded defaults (SQLite in ./demo-data, the QBO emulator)')
    .option('--port <port>', 'port for the gateway', (v) => Number.parseInt(v, 10))
    .action(async (options: { port?: number }) => {
      runtime.env.DATA_DIR ??= path.join(runtime.cwd, 'demo-data');
      runtime.env.QBO_ENVIRONMENT ??= 'emulator';
      const ctx = runtime.open();
      runtime.keepAlive = true;
      const running = await startServer(ctx, options.port ?? ctx.config.PORT, '127.0.0.1');
      stopOnSignals(running, ctx);
      runtime.out(
        [
          `qb-bridge demo is running at ${running.url}`,
          `  health:     ${running.url}/healthz`,
          `  data:       ${ctx.config.dataDir}`,
          'Press Ctrl+C to stop.',
        ].join('\n'),
      );
    });
}
