import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundleChildScript } from '../helpers/child-script';

export interface Host {
  url: string;
  key: string;
  /** Environment for a CLI child on the same store and emulator. */
  env: Record<string, string>;
  entities(type: string): Promise<Array<Record<string, unknown>>>;
  sql(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Queues the emulator's next faults (none: only reads what is still queued); answers the queue. */
  faults(faults?: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the gateway + emulator in a worker thread (see gateway-host.ts). */
export async function startHost(config: Record<string, string> = {}): Promise<Host> {
  const file = await bundleChildScript(path.join(import.meta.dirname, 'gateway-host.ts'));
  const worker = new Worker(file, { workerData: config });
  const waiting = new Map<number, (v: unknown) => void>();
  let next = 0;
  const ready = await new Promise<{ url: string; key: string; env: Record<string, string> }>(
    (resolve, reject) => {
      worker.once('error', reject);
      worker.on(
        'message',
        (m: {
          ready?: boolean;
          id?: number;
          result?: unknown;
          url?: string;
          key?: string;
          env?: Record<string, string>;
        }) => {
          if (m.ready) resolve({ url: m.url!, key: m.key!, env: m.env! });
          else if (m.id !== undefined) waiting.get(m.id)?.(m.result);
        },
      );
    },
  );
  const ask = (op: string, extra: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      worker.postMessage({ id, op, ...extra });
    });
  return {
    ...ready,
    entities: (type) => ask('entities', { type }) as Promise<Array<Record<string, unknown>>>,
    sql: (sql) => ask('sql', { sql }) as Promise<Array<Record<string, unknown>>>,
    faults: (faults = []) => ask('faults', { faults }) as Promise<string[]>,
    async stop() {
      await ask('stop');
      await worker.terminate();
    },
  };
}
