import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env';

function resolveAddress(c: Context<AppEnv>): string | undefined {
  let socket: string | undefined;
  try {
    socket = getConnInfo(c).remote.address;
  } catch {
    socket = undefined;
  }
  const hops = c.get('ctx').config.TRUST_PROXY;
  if (hops === 0) return socket;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return forwarded[forwarded.length - hops] ?? socket;
}

/**
 * The caller's address for per-address limits and audit rows. Behind a reverse proxy (the usual way to
 * put TLS in front of the gateway) every connection comes from the proxy, so with TRUST_PROXY=N we take
 * the address N hops from the right of X-Forwarded-For: those entries were appended by proxies we run,
 * while anything further left was sent by the client and could be forged.
 */
export function clientAddress(c: Context<AppEnv>): string | undefined {
  const known = c.get('clientAddress');
  if (known !== undefined) return known.address;
  return resolveAddress(c);
}

/**
 * Resolves the caller's address once per request and then rewrites X-Forwarded-For to hold only that
 * trusted address (or removes it when there is none to trust), so no route that reads the header
 * directly can record an address the client made up: with TRUST_PROXY=0 the header is simply gone.
 */
export const trustedForwarding: MiddlewareHandler<AppEnv> = async (c, next) => {
  const address = resolveAddress(c);
  c.set('clientAddress', { address });
  const headers = c.req.raw.headers;
  if (headers.has('x-forwarded-for')) {
    if (address === undefined || c.get('ctx').config.TRUST_PROXY === 0) headers.delete('x-forwarded-for');
    else headers.set('x-forwarded-for', address);
  }
  await next();
};
