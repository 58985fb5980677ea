import type { Command } from 'commander';
import { portOption } from '../cli/options';
import type { CliRuntime } from '../cli/runtime';
import { startServer, stopOnSignals } from './serve';
import { prepareTls, reloadTlsOnSighup } from './tls';

export function registerServerCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('serve')
    .description(
      'Start the gateway (REST API, Web Connector SOAP endpoint, QuickBooks connect pages) on PORT (default 8787)',
    )
    .option('--port <port>', 'override PORT', portOption())
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option(
      '--tls-cert <path>',
      'serve https with this PEM certificate chain (or TLS_CERT_FILE); SIGHUP reloads it',
    )
    .option('--tls-key <path>', 'the PEM private key of --tls-cert (or TLS_KEY_FILE)')
    .action(async (options: { port?: number; host: string; tlsCert?: string; tlsKey?: string }) => {
      const tls = prepareTls(options, runtime.config());
      const ctx = runtime.open();
      runtime.keepAlive = true;
      const running = await startServer(
        ctx,
        options.port ?? ctx.config.PORT,
        options.host,
        {},
        tls?.material,
      );
      reloadTlsOnSighup(running.server, tls?.files, ctx.log);
      if (tls) runtime.out(tls.description);
      stopOnSignals(running, ctx);
      ctx.log.info({ url: running.url }, 'qb-bridge gateway listening');
      runtime.out(`qb-bridge listening on ${running.url}`);
    });
}
