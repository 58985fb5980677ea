import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes';
import { portOption } from '../cli/options';
import type { CliRuntime } from '../cli/runtime';
import { healthReport } from './health';
import { routeModules } from './routes';
import { everyInterface, ListenError, type RunningServer, startServer, stopOnSignals } from './serve';
import { prepareTls, reloadTlsOnSighup } from './tls';

/** The line `serve` prints: the address it really listens on, and how to reach it from this machine. */
export function listeningMessage(running: RunningServer): string {
  if (everyInterface(running.host)) {
    return (
      `qb-bridge listening on every interface (${running.host}) port ${running.port}; from this machine: ${running.url}. ` +
      'Use --host 127.0.0.1 to accept only this machine.'
    );
  }
  return `qb-bridge listening on ${running.url} (only this address)`;
}

export function registerServerCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('serve')
    .description(
      'Start the gateway (REST API, Web Connector SOAP endpoint, QuickBooks connect pages) on PORT (default 8787)',
    )
    .option('--port <port>', 'override PORT', portOption())
    .option(
      '--host <host>',
      'address to listen on: 0.0.0.0 = every interface (the default, for a Web Connector on another PC), 127.0.0.1 = this machine only',
      '0.0.0.0',
    )
    .option(
      '--tls-cert <path>',
      'serve https with this PEM certificate chain (or TLS_CERT_FILE); SIGHUP reloads it',
    )
    .option('--tls-key <path>', 'the PEM private key of --tls-cert (or TLS_KEY_FILE)')
    .action(async (options: { port?: number; host: string; tlsCert?: string; tlsKey?: string }) => {
      const tls = prepareTls(options, runtime.config());
      const ctx = runtime.open();
      let running: RunningServer;
      try {
        running = await startServer(ctx, options.port ?? ctx.config.PORT, options.host, {}, tls?.material);
      } catch (error) {
        if (error instanceof ListenError) throw new CliError(ExitCode.failed, error.message);
        throw error;
      }
      runtime.keepAlive = true;
      const pruned = ctx.audit.prune(ctx.config.AUDIT_RETENTION_DAYS);
      const pruneTimer = setInterval(() => ctx.audit.prune(ctx.config.AUDIT_RETENTION_DAYS), 3_600_000);
      pruneTimer.unref();
      running.server.once('close', () => clearInterval(pruneTimer));
      reloadTlsOnSighup(running.server, tls?.files, ctx.log);
      if (tls) runtime.out(tls.description);
      stopOnSignals(running, ctx);
      ctx.log.info(
        { url: running.url, host: running.host, port: running.port, auditRowsPruned: pruned },
        'qb-bridge gateway listening',
      );
      runtime.out(listeningMessage(running));
      // What /healthz checks is checked once now, so an integration that cannot work says so at start-up
      // (a MIS missing a column logs one line naming it and the fix), not at its first request.
      healthReport(
        ctx,
        routeModules.flatMap((m) => (m.health ? [m.health] : [])),
      );
      if (ctx.config.publicUrlDerived) {
        runtime.out(
          `PUBLIC_URL is not set: the WSDL and .qwc file name ${ctx.config.PUBLIC_URL}; set PUBLIC_URL to the address the Web Connector uses`,
        );
      }
    });
}
