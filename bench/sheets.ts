import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { batchCeilingPerMinute, intuitLimits } from '../gateway/src/qbo/limits/limiter';
import { createAppsScript } from '../gateway/src/sheets/standin/apps-script';
import { createSyncFetch } from '../gateway/src/sheets/standin/sync-fetch';

/**
 * The sheet flow end to end: the BUILT add-on (dist/addon/Code.js, run `npm run build` first) in the Apps
 * Script stand-ins syncs N ready rows (one invoice each, the emulator's seeded customers) through the real gateway into an
 * emulator enforcing Intuit's limits on a 20× clock. Reported per N (200 and 2,000):
 * - range calls: reading and preparing the table (before the job is submitted) and the most any one
 *   write-back pass cost — both must be the same at 200 and 2,000 rows; the total grows only with the
 *   number of polls (time), never with rows;
 * - rows/min in emulated minutes from submit to the last write-back, against the batch ceiling
 *   (min(40 batches, 500 requests)/min × 30 = 1,200 invoices/min); target ≥ 0.9 at 2,000 rows;
 * - duplicates: invoices in the emulator beyond one per DocNumber (target 0).
 */
const timeScale = 20;
// Bundled into a temp dir by scripts/bench.mjs, so the project is where npm runs it from.
const root = process.cwd();

interface Host {
  url: string;
  key: string;
  customers: string[];
  ask(op: string): Promise<unknown>;
  stop(): Promise<void>;
}

async function startHost(): Promise<Host> {
  // This file runs bundled from a temp dir; the host is bundled from the project's bench/ folder.
  const hostSource = path.join(root, 'bench/_sheets-host.ts');
  const outfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-sheets-host-')), 'host.mjs');
  await esbuild.build({
    entryPoints: [hostSource],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    nodePaths: [path.join(root, 'node_modules')],
  });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(path.dirname(outfile), 'node_modules'), 'dir');
  const worker = new Worker(outfile, { workerData: { timeScale } });
  const waiting = new Map<number, (v: unknown) => void>();
  let next = 0;
  const ready = await new Promise<{ url: string; key: string; customers: string[] }>((resolve, reject) => {
    worker.once('error', reject);
    worker.on(
      'message',
      (m: {
        ready?: boolean;
        id?: number;
        result?: unknown;
        url: string;
        key: string;
        customers: string[];
      }) => {
        if (m.ready) resolve(m);
        else if (m.id !== undefined) waiting.get(m.id)?.(m.result);
      },
    );
  });
  const ask = (op: string) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      worker.postMessage({ id, op });
    });
  return {
    ...ready,
    ask,
    async stop() {
      await ask('stop');
      await worker.terminate();
      fs.rmSync(path.dirname(outfile), { recursive: true, force: true });
    },
  };
}

const headers = [
  'invoice',
  'submitted_date',
  'to_client',
  'inv_from',
  'task_descr',
  'status',
  'inv_dollars',
  'notes',
];

async function runSize(host: Host, rows: number): Promise<Record<string, unknown>> {
  const fetcher = createSyncFetch();
  const marks: Array<{ method: string; url: string; calls: number; at: number }> = [];
  const before = (await host.ask('stats')) as { requests: number; byPath: Record<string, number> };
  try {
    const gas = createAppsScript({
      spreadsheetId: `bench${rows}`,
      bundleDir: path.join(root, 'dist/addon'),
      fetch: fetcher,
      allowUrls: [`${host.url}/`],
      // The add-on's Utilities.sleep (its poll back-off) runs on the same clock as QuickBooks: at 0.1 on a 20×
      // clock, every poll wait cost twice its real length in emulated time (a 5 s wait = 10 emulated s).
      sleepScale: 1 / timeScale,
      onFetch: (request) =>
        marks.push({
          ...request,
          calls: gas.spreadsheet.stats.reads + gas.spreadsheet.stats.writes,
          at: performance.now(),
        }),
    });
    const prefix = `B${rows}-`;
    gas.spreadsheet
      .insertSheet('inv_tbl')
      .load([
        headers,
        ...Array.from({ length: rows }, (_, i) => [
          `${prefix}${i}`,
          '2026-03-01',
          host.customers[i % host.customers.length]!,
          'ACD',
          `Task ${i}`,
          'ready',
          `${100 + (i % 50)}.25`,
          `row ${i}`,
        ]),
      ]);
    for (const [k, v] of Object.entries({
      QB_BRIDGE_GATEWAY_URL: host.url,
      QB_BRIDGE_AUTH_MODE: 'hmac',
      QB_BRIDGE_ADDON_KEY: host.key,
      QB_BRIDGE_TIME_BUDGET_MS: '600000',
    })) {
      gas.properties.set(k, v);
    }
    const started = performance.now();
    const summary = gas.run<{ status: string; message: string; counts?: Record<string, number> }>(
      'syncReadyRows',
    );
    const finished = performance.now();
    const total = gas.spreadsheet.stats.reads + gas.spreadsheet.stats.writes;
    const post = marks.find((m) => m.method === 'POST')!;
    const polls = marks.filter((m) => m.method === 'GET' && m.url.includes('/api/sheets/jobs/'));
    // Calls between consecutive polls = one write-back pass (plus the queued marking before the first poll).
    const passes = polls.slice(1).map((p, i) => p.calls - polls[i]!.calls);
    passes.push(total - (polls[polls.length - 1]?.calls ?? total));
    const synced = summary.counts?.synced ?? 0;
    const emulatedMinutes = ((finished - post.at) * timeScale) / 60_000;
    const docs = ((await host.ask('invoices')) as string[]).filter((d) => d.startsWith(prefix));
    const stats = (await host.ask('stats')) as {
      requests: number;
      byPath: Record<string, number>;
      throttled: number;
      limits: { perMinute: number; batchPerMinute: number; batchItems: number };
    };
    const batches = (stats.byPath['POST /batch'] ?? 0) - (before.byPath['POST /batch'] ?? 0);
    const ceiling = batchCeilingPerMinute({
      ...intuitLimits,
      requestsPerMinute: stats.limits.perMinute,
      batchesPerMinute: stats.limits.batchPerMinute,
      itemsPerBatch: stats.limits.batchItems,
    });
    const rowsPerMin = synced / emulatedMinutes;
    const [job] = (await host.ask('jobs')) as Array<{
      startedAt: string;
      finishedAt: string;
      firstAt: string;
    }>;
    const jobSeconds = (Date.parse(job!.finishedAt) - Date.parse(job!.startedAt)) / 1000;
    const firstRowSeconds = (Date.parse(job!.firstAt) - Date.parse(job!.startedAt)) / 1000;
    const [head, ...data] = gas.sheet('inv_tbl').values();
    const errorAt = head!.indexOf('qb_error');
    const firstError = data
      .map((r) => String(r[errorAt] ?? ''))
      .find((e) => e !== '' && !e.startsWith('Changed after'));
    return {
      rows,
      status: summary.status,
      counts: summary.counts,
      ...(firstError ? { firstError } : {}),
      synced,
      rangeCallsBeforeSubmit: post.calls,
      rangeCallsPerWritePassMax: Math.max(...passes),
      writePasses: passes.length,
      rangeCallsTotal: total,
      realSeconds: +((finished - started) / 1000).toFixed(2),
      gatewayJobSeconds: jobSeconds,
      gatewayFirstRowSeconds: firstRowSeconds,
      submitToLastWriteSeconds: +((finished - post.at) / 1000).toFixed(2),
      emulatedMinutes: +emulatedMinutes.toFixed(3),
      rowsPerMin: Math.round(rowsPerMin),
      ceilingPerMin: ceiling,
      ratio: +(rowsPerMin / ceiling).toFixed(3),
      // Full batches (30 rows) and few other calls mean the run is paced by the batch limit alone.
      batchCalls: batches,
      rowsPerBatch: +(synced / Math.max(1, batches)).toFixed(1),
      otherQboCalls: stats.requests - before.requests - batches,
      throttled429: stats.throttled,
      duplicates: docs.length - new Set(docs).size,
      missing: rows - new Set(docs).size,
    };
  } finally {
    await fetcher.close();
  }
}

export async function run(): Promise<Array<Record<string, unknown>>> {
  const host = await startHost();
  try {
    const small = await runSize(host, 200);
    const large = await runSize(host, 2_000);
    const sameCalls =
      small.rangeCallsBeforeSubmit === large.rangeCallsBeforeSubmit &&
      small.rangeCallsPerWritePassMax === large.rangeCallsPerWritePassMax;
    return [
      small,
      {
        ...large,
        sameRangeCallsAs200: sameCalls,
        targetMet:
          sameCalls && (large.ratio as number) >= 0.9 && large.duplicates === 0 && large.missing === 0,
      },
    ];
  } finally {
    await host.stop();
  }
}
