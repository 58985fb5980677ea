/**
 * The exactly-once soak (issue 13): writer processes on one store against a listening emulator that
 * behaves like Intuit at its worst — answers dropped after commit, query results lagging commits, creates
 * that commit after the connection dropped, the company's duplicate-number warning (6140) off — while the
 * writers are killed with SIGKILL at random points and one is stopped with SIGSTOP for longer than its
 * lease, then resumed. After a final run: every intended invoice exists exactly once, and every ledger row
 * is final. Used by `bench/qbo-soak.ts` (600 invoices) and the test suite (a small one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { openContext } from '../gateway/src/app/context';
import { loadConfig } from '../gateway/src/config/load';
import { createLogger } from '../gateway/src/log/logger';
import { QboLedger } from '../gateway/src/qbo/exactly-once/ledger';
import { markerFor } from '../gateway/src/qbo/exactly-once/resolve';
import type { CreateInput } from '../gateway/src/qbo/exactly-once/write-once';
import { sendLeaseMs } from '../gateway/src/qbo/limits/send-lease';
import { parseTokenResponse } from '../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../gateway/src/qbo/oauth/token-vault';
import { createEmulator } from '../gateway/src/sandbox/emulator';

export interface SoakOptions {
  invoices: number;
  /** How many of them carry no DocNumber of ours (found by customer, date and marker). */
  withoutDocNumber: number;
  dropRate: number;
  queryLagMs: number;
  lateCommitRate: number;
  lateCommitMs: number;
  kills: number;
  /** Real ms after a writer says "started" within which it is killed (uniformly). */
  killWithinMs: number;
  pauseResume: boolean;
  timeScale: number;
  /** The writers' own timeout and visibility margin (undefined: the client's defaults). */
  clientTimeoutMs?: number;
  visibilityMarginMs?: number;
  seed: number;
}

export interface SoakResult {
  invoices: number;
  duplicates: number;
  missing: number;
  stuck: number;
  strays: number;
  kills: number;
  paused: boolean;
  writerRuns: number;
  droppedOrLate: string;
  realSeconds: number;
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

async function bundleWriter(): Promise<string> {
  const outfile = path.join(process.cwd(), 'node_modules/.cache/qb-bridge-soak/writer.mjs');
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(process.cwd(), 'bench/_qbo-soak-writer.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Writer {
  child: ChildProcess;
  started: Promise<void>;
  exited: Promise<string>;
}

function startWriter(bundle: string, env: Record<string, string>): Writer {
  const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('started\n')) markStarted();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<string>((resolve) => {
    child.on('exit', () => {
      markStarted();
      resolve(out);
    });
  });
  return { child, started, exited };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const began = performance.now();
  const random = seededRandom(options.seed);
  const emulator = createEmulator({
    timeScale: options.timeScale,
    randomSeed: options.seed,
    accessTokenTtlSeconds: 3600 * options.timeScale,
  });
  const server = await emulator.listen(0, '127.0.0.1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-soak-'));
  const env = {
    PATH: process.env.PATH ?? '',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: server.url,
    QBO_REALM_ID: emulator.realmId,
    SOAK_TIME_SCALE: String(options.timeScale),
    SOAK_INPUTS: path.join(dir, 'inputs.json'),
    ...(options.clientTimeoutMs === undefined ? {} : { SOAK_TIMEOUT_MS: String(options.clientTimeoutMs) }),
    ...(options.visibilityMarginMs === undefined
      ? {}
      : { SOAK_MARGIN_MS: String(options.visibilityMarginMs) }),
  };
  const open = () => openContext(loadConfig(env, dir), { log: createLogger({ level: 'silent' }) });
  let ctx = open();
  const writers: Writer[] = [];
  try {
    createTokenVault(ctx).saveFromCodeExchange(emulator.realmId, parseTokenResponse(emulator.issueTokens()), {
      actor: 'soak',
    });
    ctx.close();
    const customers = emulator.entities(emulator.realmId, 'Customer').map((c) => String(c.Id));
    const item = String(emulator.entities(emulator.realmId, 'Item')[0]?.Id);
    const txnDate = '2024-05-31';
    const inputs: CreateInput[] = Array.from({ length: options.invoices }, (_, i) => {
      const customer = customers[i % customers.length]!;
      const line = [
        {
          DetailType: 'SalesItemLineDetail',
          Amount: 10 + (i % 90),
          SalesItemLineDetail: { ItemRef: { value: item } },
        },
      ];
      if (i < options.withoutDocNumber) {
        return {
          key: `soak:${i}`,
          entity: 'Invoice',
          payload: { CustomerRef: { value: customer }, TxnDate: txnDate, Line: line },
          lookup: { marker: { customerRef: customer, txnDate } },
        };
      }
      const doc = `SOAK${String(i).padStart(5, '0')}`;
      return {
        key: `soak:${i}`,
        entity: 'Invoice',
        payload: { CustomerRef: { value: customer }, DocNumber: doc, TxnDate: txnDate, Line: line },
        lookup: { docNumber: doc },
      };
    });
    fs.writeFileSync(env.SOAK_INPUTS, JSON.stringify(inputs));
    const seeded = new Set(emulator.entities(emulator.realmId, 'Invoice').map((inv) => String(inv.Id)));

    emulator.setDuplicateDocNumberCheck(false);
    emulator.faults.dropAfterCommitRate = options.dropRate;
    emulator.faults.queryLagMs = options.queryLagMs;
    emulator.faults.lateCommitRate = options.lateCommitRate;
    emulator.faults.lateCommitMs = options.lateCommitMs;

    const bundle = await bundleWriter();
    let runs = 0;
    const run = () => {
      runs += 1;
      const writer = startWriter(bundle, env);
      writers.push(writer);
      return writer;
    };
    for (let k = 0; k < options.kills; k++) {
      const writer = run();
      await writer.started;
      await sleep(random() * options.killWithinMs);
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
    const lease = sendLeaseMs({
      timeoutMs: options.clientTimeoutMs ?? Math.max(5_000, 125_000 / options.timeScale),
      timeScale: options.timeScale,
    });
    if (options.pauseResume) {
      // A writer is stopped mid-run for longer than its lease; another run takes over meanwhile; then it
      // resumes and must not send anything the other run has taken.
      const paused = run();
      await paused.started;
      await sleep(options.killWithinMs / 2);
      paused.child.kill('SIGSTOP');
      await sleep(lease);
      await run().exited;
      paused.child.kill('SIGCONT');
      await paused.exited;
    }
    // Final runs: until every row is final (waiting out leases and horizons as the writers do).
    for (let final = 0; final < 6; final++) {
      await run().exited;
      ctx = open();
      const counts = new QboLedger(ctx.db).countByState(emulator.realmId);
      ctx.close();
      if (counts.planned + counts.sent + counts.unknown === 0) break;
      await sleep(lease);
    }
    // Late commits still in the air land before counting.
    await sleep(options.lateCommitMs + 200);

    ctx = open();
    const ledger = new QboLedger(ctx.db);
    const all = emulator.entities(emulator.realmId, 'Invoice');
    let duplicates = 0;
    let missing = 0;
    let stuck = 0;
    const accounted = new Set<string>();
    for (const input of inputs) {
      const row = ledger.find(emulator.realmId, input.key, 'Invoice');
      if (row?.state !== 'created') stuck += 1;
      const holders =
        'docNumber' in input.lookup
          ? all.filter((inv) => inv.DocNumber === (input.lookup as { docNumber: string }).docNumber)
          : all.filter(
              (inv) =>
                row !== undefined &&
                typeof inv.PrivateNote === 'string' &&
                inv.PrivateNote.includes(markerFor(row.requestId)),
            );
      if (holders.length === 0) missing += 1;
      duplicates += Math.max(0, holders.length - 1);
      for (const h of holders) accounted.add(String(h.Id));
    }
    ctx.close();
    const strays = all.filter((inv) => !accounted.has(String(inv.Id)) && !seeded.has(String(inv.Id))).length;
    const stats = emulator.stats();
    return {
      invoices: options.invoices,
      duplicates,
      missing,
      stuck,
      strays,
      kills: options.kills,
      paused: options.pauseResume,
      writerRuns: runs,
      droppedOrLate: `${options.dropRate * 100}% dropped, ${options.lateCommitRate * 100}% late by ${options.lateCommitMs} ms, lag ${options.queryLagMs} ms, ${stats.requests} requests`,
      realSeconds: +((performance.now() - began) / 1000).toFixed(1),
    };
  } finally {
    for (const writer of writers) {
      if (writer.child.exitCode === null && writer.child.signalCode === null) {
        writer.child.kill('SIGCONT');
        writer.child.kill('SIGKILL');
      }
    }
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
