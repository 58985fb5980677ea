import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AppContext, openContext } from '../gateway/src/app/context';
import { loadConfig } from '../gateway/src/config/load';
import { createLogger } from '../gateway/src/log/logger';
import { createMany } from '../gateway/src/qbo/exactly-once/batch';
import { QboLedger } from '../gateway/src/qbo/exactly-once/ledger';
import { type CreateInput, createOnce } from '../gateway/src/qbo/exactly-once/write-once';
import type { QboClient } from '../gateway/src/qbo/http/client';
import { createQboClient } from '../gateway/src/qbo/http/client';
import { batchCeilingPerMinute, intuitLimits } from '../gateway/src/qbo/limits/limiter';
import { parseTokenResponse } from '../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../gateway/src/qbo/oauth/token-vault';
import { createEmulator } from '../gateway/src/sandbox/emulator';

/**
 * 3,000 invoices through the batch writer against a listening emulator that enforces Intuit's limits
 * (500/min, 10/s, 10 concurrent, 40 batches/min, 30 items) on a scaled clock (20×: an emulated minute
 * lasts 3 real seconds; 60×: one second); every figure below is in emulated minutes.
 *
 * Ceiling = min(batches/min, requests/min) × items per batch = min(40, 500) × 30 = 1,200 entities/min:
 * every batch call is also a request, so the batch budget binds first. The limiter runs at 95% of it in
 * steady state (38 batches/min) plus a 2-call burst, so the best a well-behaved client can show over a
 * 100-batch run is (98 / 38) min → ratio ≈ 0.97; with zero 429s that means the limiter wastes nothing.
 * With faults, every failed batch costs lookup queries and a resend slot, and (issue 13) its rows are
 * resent only once the lost send is provably over — the client's timeout + Intuit's 120 s + a visibility
 * margin, about 12 s of real time at 60× — so a fault run's ratio drops, mostly at its tail; it is
 * reported as measured, and the "intuit" run (query lag, late commits, 6140 off) reports its duplicates.
 * Duplicates = invoices in the emulator − distinct DocNumbers (each expected DocNumber exactly once).
 *
 * Where the company refuses duplicate numbers (6140) and qb-bridge knows it (`duplicate-numbers.ts`: a
 * recent 6140 of that company), a lost batch's rows are looked up once and re-batched at once instead of
 * waiting for the send to be provably over and going one by one. The "clean" and "faults5pct" runs play a
 * company that refused one of our numbers earlier the same day (one clash before the clock starts);
 * "faults5pctCold" is the same company before qb-bridge has seen any 6140 from it.
 */

const invoiceCount = 3_000;
/** The target (issue 3): ratio ≥ 0.9 in the clean runs; zero duplicates and zero failed items in every run. */
const targetRatio = 0.9;

interface Scenario {
  name: 'clean' | 'faults5pct' | 'faults5pctCold' | 'intuit';
  errorRate: number;
  dropAfterCommitRate: number;
  timeScale: number;
  /** Issue 13: query lag (real ms), late commits (rate, real ms after the drop), 6140 off. */
  queryLagMs?: number;
  lateCommitRate?: number;
  lateCommitMs?: number;
  duplicateNumbersAllowed?: boolean;
  /** qb-bridge has not yet seen this company refuse a duplicate number (no 6140 evidence). */
  cold?: boolean;
}

/*
 * Why two time scales: the limits shrink with the scale, our own CPU time (planning 3,000 ledger rows,
 * JSON, SQLite commits, and the in-process emulator) does not. At 60× the ~0.15 s of real CPU becomes ~9
 * emulated seconds, an artefact of the scaling; 20× (a minute lasts 3 s) is closer to what a real run
 * sees, where that CPU time is noise next to 2.6 minutes of paced calls.
 */
const scenarios: Scenario[] = [
  ...[20, 60].flatMap((timeScale) => [
    { name: 'clean' as const, errorRate: 0, dropAfterCommitRate: 0, timeScale },
    // ≈5% of calls fail: 2.5% answered 500/502/503 before anything runs, 2.5% of writes commit then drop.
    { name: 'faults5pct' as const, errorRate: 0.025, dropAfterCommitRate: 0.025, timeScale },
    {
      name: 'faults5pctCold' as const,
      errorRate: 0.025,
      dropAfterCommitRate: 0.025,
      timeScale,
      cold: true,
    },
  ]),
  // What Intuit does on a bad day (issue 13): the 5% above, plus queries 3 s behind commits, 1% of creates
  // committing 6 s after their connection dropped, and the company's duplicate-number warning off.
  {
    name: 'intuit' as const,
    errorRate: 0.025,
    dropAfterCommitRate: 0.025,
    timeScale: 60,
    queryLagMs: 3_000,
    lateCommitRate: 0.01,
    lateCommitMs: 6_000,
    duplicateNumbersAllowed: true,
  },
];

/**
 * One of our numbers that someone else's invoice holds: QuickBooks refuses it with 6140, which is what
 * qb-bridge learns the company's duplicate check from. Done before the clock starts.
 */
async function refuseOneNumber(
  client: QboClient,
  ledger: QboLedger,
  emulator: ReturnType<typeof createEmulator>,
  customers: readonly string[],
  item: string,
): Promise<void> {
  const line = {
    DetailType: 'SalesItemLineDetail',
    Amount: 1,
    SalesItemLineDetail: { ItemRef: { value: item } },
  };
  emulator.create(emulator.realmId, 'Invoice', {
    CustomerRef: { value: customers[1]! },
    DocNumber: 'HELD-1',
    Line: [line],
  });
  const outcome = await createOnce(client, ledger, {
    key: 'bench:held',
    entity: 'Invoice',
    lookup: { docNumber: 'HELD-1' },
    payload: { CustomerRef: { value: customers[0]! }, DocNumber: 'HELD-1', Line: [line] },
  });
  if (outcome.state !== 'rejected') throw new Error(`the warm-up clash was ${outcome.state}, not rejected`);
}

async function runScenario(scenario: Scenario): Promise<Record<string, unknown>> {
  const { timeScale } = scenario;
  // Seed 7 makes the random faults include commit-then-drop (injectedDrops > 0); some seeds draw none in ~100 writes.
  const emulator = createEmulator({ timeScale, randomSeed: 7, accessTokenTtlSeconds: 3600 * timeScale });
  const server = await emulator.listen(0, '127.0.0.1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-qbo-'));
  // Opened inside the try: if it throws, the listening emulator must still be closed or the process hangs.
  let ctx: AppContext | undefined;
  try {
    ctx = openContext(
      loadConfig(
        {
          DATA_DIR: dir,
          LOG_LEVEL: 'silent',
          QBO_ENVIRONMENT: 'emulator',
          QBO_API_BASE_URL: server.url,
          QBO_REALM_ID: emulator.realmId,
        },
        dir,
      ),
      { log: createLogger({ level: 'silent' }) },
    );
    const vault = createTokenVault(ctx);
    vault.saveFromCodeExchange(emulator.realmId, parseTokenResponse(emulator.issueTokens()), {
      actor: 'bench',
    });
    const injected = { http5xx: 0, dropped: 0 };
    const countingFetch: typeof fetch = async (input, init) => {
      try {
        const response = await fetch(input, init);
        if (response.status >= 500) injected.http5xx += 1;
        return response;
      } catch (error) {
        injected.dropped += 1;
        throw error;
      }
    };
    const client = createQboClient(ctx, { tokens: vault, timeScale, fetch: countingFetch });
    const ledger = new QboLedger(ctx.db);
    const customers = emulator.entities(emulator.realmId, 'Customer').map((c) => String(c.Id));
    const item = String(emulator.entities(emulator.realmId, 'Item')[0]?.Id);
    const inputs: CreateInput[] = Array.from({ length: invoiceCount }, (_, i) => {
      const doc = `${scenario.name === 'clean' ? 'C' : 'F'}${String(i).padStart(6, '0')}`;
      return {
        key: `bench:${scenario.name}:${i}`,
        entity: 'Invoice',
        lookup: { docNumber: doc },
        payload: {
          CustomerRef: { value: customers[i % customers.length]! },
          DocNumber: doc,
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 10 + (i % 100),
              SalesItemLineDetail: { ItemRef: { value: item } },
            },
          ],
        },
      };
    });
    const knownRefusing = !scenario.cold && !scenario.duplicateNumbersAllowed;
    if (knownRefusing) await refuseOneNumber(client, ledger, emulator, customers, item);
    const callsBefore = client.stats.calls;
    emulator.faults.errorRate = scenario.errorRate;
    emulator.faults.dropAfterCommitRate = scenario.dropAfterCommitRate;
    emulator.faults.queryLagMs = scenario.queryLagMs ?? 0;
    emulator.faults.lateCommitRate = scenario.lateCommitRate ?? 0;
    emulator.faults.lateCommitMs = scenario.lateCommitMs ?? 1_000;
    if (scenario.duplicateNumbersAllowed) emulator.setDuplicateDocNumberCheck(false);

    const started = performance.now();
    const outcomes = await createMany(client, ledger, inputs);
    const realMs = performance.now() - started;
    // A late commit still in the air would be a duplicate the count below must see.
    if (scenario.lateCommitRate)
      await new Promise((resolve) => setTimeout(resolve, (scenario.lateCommitMs ?? 0) + 500));

    const invoices = emulator
      .entities(emulator.realmId, 'Invoice')
      .filter((inv) => String(inv.DocNumber) !== 'HELD-1');
    const docs = new Set(invoices.map((inv) => String(inv.DocNumber)));
    const missing = inputs.filter(
      (input) => !docs.has((input.lookup as { docNumber: string }).docNumber),
    ).length;
    const emulatedMinutes = (realMs * timeScale) / 60_000;
    const created = outcomes.filter((o) => o.state === 'created').length;
    const entitiesPerMin = created / emulatedMinutes;
    const ceilingPerMin = batchCeilingPerMinute({
      ...intuitLimits,
      requestsPerMinute: emulator.limits.perMinute,
      batchesPerMinute: emulator.limits.batchPerMinute,
      itemsPerBatch: emulator.limits.batchItems,
    });
    const stats = emulator.stats();
    const ratio = +(entitiesPerMin / ceilingPerMin).toFixed(3);
    const duplicates = invoices.length - docs.size;
    const failedItems = outcomes.length - created;
    return {
      scenario: scenario.name,
      entities: created,
      emulatedMinutes: +emulatedMinutes.toFixed(3),
      entitiesPerMin: Math.round(entitiesPerMin),
      ceilingPerMin,
      ratio,
      throttled429: stats.throttled,
      duplicates,
      missing,
      failedItems,
      // The ratio target holds for the clean run; a fault run must stay exact, and its ratio is reported as
      // measured: every lost batch's rows wait until the send is provably over (timeout + Intuit's 120 s +
      // the visibility margin) before they are resent, which a 3,000-invoice run feels at its tail.
      targetMet:
        (scenario.name !== 'clean' || ratio >= targetRatio) &&
        duplicates === 0 &&
        missing === 0 &&
        failedItems === 0,
      adoptedAfterLookup: outcomes.filter((o) => o.state === 'created' && o.adopted).length,
      apiCalls: client.stats.calls - callsBefore,
      batchCalls: stats.byPath['POST /batch'] ?? 0,
      injected5xx: injected.http5xx,
      injectedDrops: injected.dropped,
      queryLagMs: scenario.queryLagMs ?? 0,
      lateCommits: scenario.lateCommitRate ?? 0,
      duplicateNumberCheck: !scenario.duplicateNumbersAllowed,
      duplicateNumbersKnownRefused: knownRefusing,
      timeScale,
      realSeconds: +(realMs / 1000).toFixed(2),
    };
  } finally {
    ctx?.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const scenario of scenarios) rows.push(await runScenario(scenario));
  const missed = rows.filter((row) => row.targetMet !== true);
  rows.push({
    summary: `target ratio >= ${targetRatio} (clean runs), 0 duplicates, 0 missing, 0 failed items (every run): ${missed.length === 0 ? 'met' : `missed in ${missed.map((r) => `${r.scenario}@${r.timeScale}x`).join(', ')}`}`,
    targetMet: missed.length === 0,
  });
  return rows;
}
