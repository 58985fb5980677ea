import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { AppContext } from '../app/context';
import { type AppOptions, createApp } from './app';
import { httpsServeOptions, type TlsMaterial } from './tls';

export interface RunningServer {
  url: string;
  port: number;
  server: ServerType;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), then closes the store. */
  stop(graceMs?: number): Promise<void>;
}

export async function startServer(
  ctx: AppContext,
  port: number,
  hostname = '0.0.0.0',
  options: AppOptions = {},
  tls?: TlsMaterial,
): Promise<RunningServer> {
  const app = createApp(ctx, options);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const https = tls ? httpsServeOptions(tls) : {};
    const s = serve({ fetch: app.fetch, port, hostname, ...https }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname;
  let stopping: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${shownHost}:${address.port}`,
    port: address.port,
    server,
    stop(graceMs = 10_000) {
      stopping ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections();
        }, graceMs);
        // Keep-alive connections go idle once their in-flight request finishes; close them as they do,
        // so shutdown takes as long as the slowest request, not the keep-alive timeout.
        const reapIdle = setInterval(() => {
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        }, 50);
        force.unref();
        reapIdle.unref();
        server.close(() => {
          clearTimeout(force);
          clearInterval(reapIdle);
          ctx.close();
          resolve();
        });
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      return stopping;
    },
  };
}

/** SIGTERM/SIGINT: finish in-flight requests, close the store, exit 0. */
export function stopOnSignals(running: RunningServer, ctx: AppContext): void {
  const onSignal = (signal: NodeJS.Signals) => {
    ctx.log.info({ signal }, 'shutting down: finishing in-flight requests');
    void running.stop().then(() => {
      ctx.log.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
