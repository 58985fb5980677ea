import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * A blocking HTTP call, as Apps Script's UrlFetchApp is: a worker thread does the fetch while this thread
 * waits on a shared flag, then the answer is taken off the message port synchronously. The server must
 * run in another thread or process (this one is blocked while it waits).
 */
export interface SyncResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SyncFetch {
  fetch(url: string, init: { method: string; headers: Record<string, string>; body?: string }): SyncResponse;
  close(): Promise<void>;
}

const workerSource = `
const { workerData } = require('node:worker_threads');
const port = workerData.port;
port.on('message', async ({ url, init, flag }) => {
  let result;
  try {
    const res = await fetch(url, { ...init, redirect: 'manual' });
    const headers = {};
    res.headers.forEach((v, k) => { headers[k] = v; });
    result = { status: res.status, headers, body: await res.text() };
  } catch (e) {
    result = { error: String((e && e.cause && e.cause.message) || (e && e.message) || e) };
  }
  port.postMessage(result);
  const f = new Int32Array(flag);
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
});
`;

export function createSyncFetch(timeoutMs = 120_000): SyncFetch {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerSource, { eval: true, workerData: { port: port2 }, transferList: [port2] });
  worker.unref();
  return {
    fetch(url, init) {
      const flag = new SharedArrayBuffer(4);
      port1.postMessage({ url, init, flag });
      if (Atomics.wait(new Int32Array(flag), 0, 0, timeoutMs) === 'timed-out') {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${url}`);
      }
      const message = receiveMessageOnPort(port1)?.message as (SyncResponse & { error?: string }) | undefined;
      if (!message) throw new Error(`No answer for ${url}`);
      if (message.error) throw new Error(`Address unavailable: ${url} (${message.error})`);
      return message;
    },
    async close() {
      port1.close();
      await worker.terminate();
    },
  };
}
