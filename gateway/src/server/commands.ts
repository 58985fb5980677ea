import type { Command } from 'commander';
import { portOption } from '../cli/options';
import type { CliRuntime } from '../cli/runtime';
import { startServer, stopOnSignals } from './serve';

export function registerServerCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('serve')
    .description(
      'Start the gateway (REST API, Web Connector SOAP endpoint, QuickBooks connect pages) on PORT (default 8787)',
    )
    .option('--port <port>', 'override PORT', portOption())
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .action(async (options: { port?: number; host: string }) => {
      const ctx = runtime.open();
      runtime.keepAlive = true;
      const running = await startServer(ctx, options.port ?? ctx.config.PORT, options.host);
      stopOnSignals(running, ctx);
      ctx.log.info({ url: running.url }, 'qb-bridge gateway listening');
      runtime.out(`qb-bridge listening on ${running.url}`);
    });
}
