import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { AppEnv } from './env';

/**
 * The caller's address for per-address limits and audit rows. Behind a reverse proxy (the usual way to
 * put TLS in front of the gateway) every connection comes from the proxy, so with TRUST_PROXY=N we take
 * the address N hops from the right of X-Forwarded-For: those entries were appended by proxies we run,
 * while anything further left was sent by the client and could be forged.
 */
export function clientAddress(c: Context<AppEnv>): string | undefined {
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
