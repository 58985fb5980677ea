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
