/**
 * How callers reach the emulator: in-process (`fetch`, no sockets, as fast as the tests need) or as a loopback
 * server. Both turn the "drop" a fault asks for into what a client really sees: the connection dies after the
 * write was committed.
 */
import type { AddressInfo } from 'node:net';
import { type Http2Bindings, type HttpBindings, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { dropHeader } from '../core';

export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

function droppedConnectionError(): TypeError {
  const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  return new TypeError('fetch failed', { cause });
}

export async function fetchInProcess(
  app: Hono,
  input: Request | string | URL,
  init?: RequestInit,
): Promise<Response> {
  const request = input instanceof Request && init === undefined ? input : new Request(input, init);
  const { signal } = request;
  signal.throwIfAborted();
  // Like a real fetch: an abort (client timeout) rejects at once, even while the emulator still works.
  const response = await new Promise<Response>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(app.fetch(request)).then((r) => {
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    }, reject);
  });
  if (response.headers.get(dropHeader)) throw droppedConnectionError();
  return response;
}

export async function listenOn(app: Hono, port: number, host: string): Promise<RunningEmulator> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: async (request: Request, env: HttpBindings | Http2Bindings) => {
          const response = await app.fetch(request, env);
          if (response.headers.get(dropHeader)) {
            // The write is committed; the client only sees the connection die.
            env.incoming.socket.destroy();
            return new Response(null, { status: 502 });
          }
          return response;
        },
        port,
        hostname: host,
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
