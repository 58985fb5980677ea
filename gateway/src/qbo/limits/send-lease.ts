import type { QboLedger } from '../exactly-once/ledger';
import type { QboClient } from '../http/client';

/**
 * How long a `sent` row stays its sender's (ledger.ts). A request can be answered or processed until the
 * client's own timeout (a little above Intuit's 120 s server timeout); the margin covers a slow event loop
 * and the time between the sender's last renewal and the request leaving. Scaled with the emulator's time,
 * but never under 5 s of real time (our CPU and network are not scaled).
 */
export function sendLeaseMs(client: Pick<QboClient, 'timeoutMs' | 'timeScale'>): number {
  return client.timeoutMs + Math.max(5_000, 60_000 / client.timeScale);
}

/** Intuit's server-side limit: a request running longer than 120 s times out (qbo-api.md §1). */
const serverTimeoutMs = 120_000;

/**
 * When a send without a requestid (a /batch item) is provably over: our request can reach QuickBooks until
 * our own timeout, QuickBooks may work on it for its 120 s, and a commit takes a while more to show in
 * query results (`visibilityMarginMs`). A lookup that began later than this after the send and found
 * nothing proves the send created nothing; an earlier one proves nothing (issue 13).
 */
export function unprotectedHorizonMs(
  client: Pick<QboClient, 'timeoutMs' | 'timeScale' | 'visibilityMarginMs'>,
): number {
  const margin = client.visibilityMarginMs ?? Math.max(5_000, 60_000 / client.timeScale);
  return client.timeoutMs + serverTimeoutMs / client.timeScale + margin;
}

/**
 * Runs `call` while keeping the sender's rows its own: their `sent_at` is renewed every quarter lease, so
 * a call that waits in the limiter (a throttled realm pauses for minutes) or is retried after a 401 or 429
 * is never mistaken for one whose sender has gone. Only a stopped process stops renewing.
 */
export async function withSendLease<T>(
  ledger: QboLedger,
  ids: readonly number[],
  sender: string,
  leaseMs: number,
  call: () => Promise<T>,
): Promise<T> {
  const renew = () => {
    try {
      ledger.renewSent(ids, sender);
    } catch {
      // The store is closing (shutdown mid-call): the lease lapses and the next run takes the rows over.
    }
  };
  const timer = setInterval(renew, Math.max(250, leaseMs / 4));
  timer.unref();
  try {
    return await call();
  } finally {
    clearInterval(timer);
  }
}
