import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { AppContext } from '../app/context';
import { derivedPublicUrl } from '../config/load';
import { type AppOptions, createApp } from './app';
import { httpsServeOptions, type TlsMaterial } from './tls';

export interface RunningServer {
  /** Where to reach it from this machine (127.0.0.1 when it listens on every interface). */
  url: string;
  port: number;
  /** The address it really listens on: 0.0.0.0 / :: mean every interface of this machine. */
  host: string;
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
    s.once('error', (error) => reject(listenError(error as NodeJS.ErrnoException, hostname, port)));
  });
  const address = server.address() as AddressInfo;
  const shownHost = everyInterface(hostname)
    ? '127.0.0.1'
    : hostname.includes(':')
      ? `[${hostname}]`
      : hostname;
  // Without PUBLIC_URL the WSDL and .qwc name this machine at the port really bound (never the Host header).
  if (ctx.config.publicUrlDerived)
    ctx.config.PUBLIC_URL = derivedPublicUrl(address.port, tls ? 'https' : 'http');
  let stopping: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${shownHost}:${address.port}`,
    port: address.port,
    host: hostname,
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

export const everyInterface = (host: string) => host === '0.0.0.0' || host === '::';

/** The gateway could not start listening; the message is one line that says what to do. */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  const other = port === 65535 ? port - 1 : port + 1;
  switch (error.code) {
    case 'EADDRINUSE':
      return new ListenError(
        `Port ${port} is already in use on ${host} (another qb-bridge or program holds it); stop that program or choose another port with --port ${other} (or PORT=${other})`,
        error.code,
      );
    case 'EACCES':
      return new ListenError(
        `Not allowed to listen on ${where} (ports below 1024 need extra privileges); choose another with --port 8787`,
        error.code,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError(
        `${host} is not an address of this machine; use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)`,
        error.code,
      );
    default:
      return error;
  }
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
