import type { BatchItemResponse, QboClient } from '../http/client';
import { QboError } from '../http/errors';
import { faultFromObject } from '../http/fault-parse';
import { defaultRetryPolicy, type RetryPolicy, sleep, throttleDelay } from '../http/retry';
import { sendLeaseMs, unprotectedHorizonMs, withSendLease } from '../limits/send-lease';
import { ReconnectRequiredError } from '../oauth/token-source';
import { chunk } from '../query';
import { detectDuplicateNumbersRefused } from './duplicate-numbers';
import { type LedgerEntity, type LedgerRow, mintSenderId, type QboLedger } from './ledger';
import { retryRejectedRow, retryWhereCauseGone } from './rejected-retry';
import { createdFields, lookUpRows, lookupWatch, withMarker } from './resolve';
import {
  type CreateInput,
  type CreateOutcome,
  createOnce,
  FencedOut,
  fence,
  horizonFor,
  lookupStartingNow,
  outcomeOf,
  recordCreated,
  settle,
  settleFaultOrRelease,
  untilProvablyOver,
} from './write-once';

/**
 * The batch writer: what bulk flows use to create many objects exactly once.
 *
 *   const outcomes = await createMany(client, ledger, inputs, { onSettled: (o) => progress(o) });
 *
 * THE ARGUMENT. QuickBooks holds one object per ledger row if no row is ever sent while an earlier send of
 * it may still commit or may have committed unseen. What can commit: a request that left (our fence let it
 * go). What proves it did not: an answer (a fault on the item, 413/429/401 before processing), or a lookup
 * that found nothing AND began after that send was provably over. A send carrying a requestid is also
 * covered by QuickBooks' replay; a `/batch` item carries none (batch replay is unreliable, qbo-api.md §3.2)
 * and has only the lookup. Query results lag commits, and a create may commit after its connection
 * dropped (§4.2), so "provably over" = the send's time + our timeout + Intuit's 120 s + a visibility margin
 * (`unprotectedHorizonMs`; the ledger stamps `unprotected_at` on every batch send and refuses
 * unknown → planned for a lookup that began earlier). The steps, and the invariant each keeps:
 *
 * 1. plan (`planSlice`): one ledger row per intent, its requestid minted before anything is sent; a row
 *    with attempts = 0 was never sent, so it cannot have committed.
 * 1b. revive rejected rows (`reviveRejected`, rejected-retry.ts): a rejected row whose cause is provably
 *    gone (its number or name freed, its reference active again) — or any, with `retryRejected` — is planned
 *    again with a new requestid — at once when QuickBooks answered the refusal, but only once the last send
 *    is provably over when the row was rejected on a lookup's word (that send may still commit, and the new
 *    requestid would not replay it).
 * 2. settle what earlier runs left (`settleInFlight`): unknown rows, and sent rows whose sender's lease ran
 *    out (taken over: sent → unknown, one taker wins), are looked up before anything is sent; rows still
 *    within another sender's lease are left to it (pending).
 * 3. route (`jobsFor`): only rows looked up by DocNumber or DisplayName may go in a batch, and only on a
 *    FIRST attempt (never ran: attempts 0, or every earlier attempt of this run refused unprocessed) or
 *    where QuickBooks itself refuses a second copy — names always (6240), DocNumbers only when the
 *    company's duplicate-number check is known to be on (`duplicateNumbersRefused`, 6140: stated by the
 *    caller, or detected per company and entity from a recent 6140 and its preferences,
 *    `duplicate-numbers.ts`). Everything else — rows QuickBooks numbers (marker lookup), resends where 6140
 *    may be off — goes alone through `createOnce` with its stored requestid.
 * 4. send a batch (`sendBatch`): the rows stay planned while the limiter queues the call; when it grants
 *    the slot, the fence (`QboLedger.claim`) checks in one transaction that every row is still planned at
 *    the attempt and payload hash the request was built from, and marks them sent by this run. A paused
 *    writer, a takeover or a re-plan since then makes the claim fail and nothing leaves; so the payload
 *    sent is the payload recorded, and two runs never both send one attempt.
 * 5. settle answers (`settleAnswers`): in one commit — an entity → created; a per-item fault → rejected
 *    (6140/6240 are read and adopted when the holder is ours; an unreadable 6140 holder stays pending); a
 *    throttled item → planned (it never ran); a system fault or a missing item → unknown.
 * 6. resolve unknowns (`lookUpLost`, `resolveRows`): a lost batch is looked up at once (a commit already
 *    visible settles it), then again once the send is provably over; only that second lookup may return
 *    a row to planned (the ledger enforces it), and a crashed-then-edited row takes its newest payload.
 *    Exception: a DocNumber row where 6140 is known on needs no horizon (`horizonFor`): if its lost send
 *    committed unseen, or commits late, one of the two copies is refused with 6140 naming the other, and
 *    the row adopts it (step 5) — so the first lookup may already return it to planned.
 * 7. resend (the next round): planned rows are routed again by step 3 — the proof of step 6 stays valid
 *    until the row is claimed again, because any other send in between changes its attempt count and
 *    makes our claim fail.
 * A crash anywhere leaves planned (never sent or provably absent), sent (the lease decides), unknown
 * (looked up first) or a final state. Residual: a process stopped in the microseconds between the claim
 * and the request reaching the socket, then resumed after its lease ran out, can still send a copy; the
 * fence cannot see past the socket.
 * Calls run concurrently up to the limiter's concurrency; 413 splits a batch; a whole-call validation
 * fault sends its items one by one; 401/403/reconnect releases the rows and stops the run.
 */

export interface CreateManyOptions {
  /**
   * Called once per ledger row when it reaches a final state (or is left pending at the end); with slices, a
   * row reported pending is reported again if a later slice settles it.
   */
  onSettled?: (outcome: CreateOutcome) => void;
  /** Rounds of resend-after-lookup before leaving items pending for the next run. */
  maxRounds?: number;
  /** Items planned and sent per slice (default: 4 rounds of full batches on every concurrent slot). */
  sliceSize?: number;
  /**
   * The company refuses a second transaction with a used number (its "Warn if duplicate … number is used"
   * preference is on; 6140): lost DocNumber rows may then be looked up and re-sent in a batch at once.
   * Left out, it is detected per entity from what this company showed before (`duplicate-numbers.ts`);
   * unknown means no — they wait until their lost send is provably over and are re-sent alone with their
   * requestids, since a company can turn the warning off (qbo-api.md §4.2).
   */
  duplicateNumbersRefused?: boolean;
  /** Rejected rows are planned again with a new requestid and sent once more (`--retry-rejected`). */
  retryRejected?: boolean;
}

/** A throttled item was refused before it ran: nothing was created, so it may simply be sent again. */
function isThrottledItemFault(error: QboError): boolean {
  return error.category === 'throttled' || error.hasCode('3001');
}

/**
 * A system fault (10000, SystemFault, any retryable category) on an item does not prove the item was not
 * committed: like a 5xx on a single create its outcome is unknown, so it is looked up before any resend.
 */
function isUnknownItemFault(error: QboError): boolean {
  return error.category === 'retryable' || error.hasCode('10000');
}

function retryPolicyOf(client: QboClient): RetryPolicy {
  return { ...defaultRetryPolicy, timeScale: client.timeScale };
}

function entityInAnswer(answer: BatchItemResponse, entity: string): Record<string, unknown> | undefined {
  const value = answer[entity];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/**
 * Creates many objects exactly once through `/batch`. Planning ledger rows is synchronous database work, so
 * thousands of items are taken in slices: each slice's planning then falls into the rate limiter's wait for
 * the next batch slot instead of delaying the first call (3,000 rows planned up front cost ~150 ms, which at
 * Intuit's 40 batches/min is several batch slots at a time-scaled benchmark's pace).
 */
export async function createMany(
  client: QboClient,
  ledger: QboLedger,
  inputs: readonly CreateInput[],
  options: CreateManyOptions = {},
): Promise<CreateOutcome[]> {
  const limits = client.limiter.limits;
  const slice = options.sliceSize ?? limits.itemsPerBatch * limits.maxConcurrent * 4;
  const refused = await refusedEntities(client, ledger, inputs, options);
  if (inputs.length <= slice) return createSlice(client, ledger, inputs, options, refused);
  // A ledger row repeated across slices is one intent: report it once, as a single slice would — except
  // that a row one slice left pending and a later slice settled is reported again with its final state.
  // (Rows, not keys: one key may stand for an Invoice and a Bill.)
  const reported = new Map<number, CreateOutcome['state']>();
  const onSettled =
    options.onSettled &&
    ((outcome: CreateOutcome) => {
      const earlier = reported.get(outcome.ledgerId);
      if (earlier !== undefined && (earlier !== 'pending' || outcome.state === 'pending')) return;
      reported.set(outcome.ledgerId, outcome.state);
      options.onSettled?.(outcome);
    });
  // A slice does not wait for its lost batches to be provably over (that takes our timeout + Intuit's
  // 120 s + the margin): the next slice is sent meanwhile, and one last pass over every input settles
  // what the slices left open, waiting once for all of them.
  const outcomes: CreateOutcome[] = [];
  for (let start = 0; start < inputs.length; start += slice) {
    const part = inputs.slice(start, start + slice);
    outcomes.push(...(await createSlice(client, ledger, part, { ...options, onSettled }, refused, false)));
  }
  if (outcomes.every((o) => o.state !== 'pending')) return outcomes;
  // Rejections of this run are final for it: the last pass does not retry them again.
  return createSlice(client, ledger, inputs, { ...options, onSettled, retryRejected: false }, refused);
}

/** The entities whose numbered rows may be resent at once and in batches (step 3): stated, or detected. */
async function refusedEntities(
  client: QboClient,
  ledger: QboLedger,
  inputs: readonly CreateInput[],
  options: CreateManyOptions,
): Promise<ReadonlySet<LedgerEntity>> {
  const numbered = inputs.filter((input) => 'docNumber' in input.lookup).map((input) => input.entity);
  if (options.duplicateNumbersRefused === false || numbered.length === 0) return new Set();
  if (options.duplicateNumbersRefused === true) return new Set(numbered);
  return detectDuplicateNumbersRefused(client, ledger.db, numbered);
}

type Job = { batch: LedgerRow[] } | { single: LedgerRow };

/** What the steps of one slice share. */
interface Slice {
  client: QboClient;
  ledger: QboLedger;
  options: CreateManyOptions;
  /** This run's id on the rows it sends (`sent_by`). */
  sender: string;
  leaseMs: number;
  size: number;
  /** Rows as planned, one per input position (a key repeated in the input maps to the same row). */
  perInput: LedgerRow[];
  rows: LedgerRow[];
  inputById: Map<number, CreateInput>;
  /**
   * Rows of this slice that never ran, at the attempt count up to which that is still true: attempts = 0
   * at planning, raised when QuickBooks refused a send of ours unprocessed (a throttled item, a 413, a
   * whole-call validation fault). Another run's send makes the row's attempt count differ.
   */
  neverRan: Map<number, number>;
  /** Rows reported to `onSettled` (final, or pending at the end). */
  reported: Set<number>;
  /** Outcomes of created rows (final): the rest are re-read at the end. */
  created: Map<number, CreateOutcome>;
  queue: Job[];
  /** Lookups waiting until a lost batch is provably over; a round ends when they have run. */
  later: Set<Promise<void>>;
  /** One failing call stops the run: the other workers send nothing new; it is rethrown once all stop. */
  failed?: { error: unknown };
  /** False for all but the last pass of a sliced run: lost rows are left unknown for that pass. */
  waitForLost?: boolean;
  /** Entities this company refuses duplicate numbers for (`refusedEntities`). */
  refused: ReadonlySet<LedgerEntity>;
}

async function createSlice(
  client: QboClient,
  ledger: QboLedger,
  inputs: readonly CreateInput[],
  options: CreateManyOptions,
  refused: ReadonlySet<LedgerEntity>,
  waitForLost = true,
): Promise<CreateOutcome[]> {
  const run = planSlice(client, ledger, inputs, options, refused);
  run.waitForLost = waitForLost;
  await reviveRejected(run);
  await settleInFlight(run);
  const maxRounds = options.maxRounds ?? 6;
  // A round sends what is planned; one that only waits for lookups of lost sends does not count.
  for (let round = 0, pass = 0; round < maxRounds; pass++) {
    const planned = (pass === 0 ? run.rows : run.rows.filter((r) => !run.created.has(r.id)))
      .map((r) => (pass === 0 && r.state === 'planned' ? r : ledger.get(r.id)))
      .filter((r) => r.state === 'planned');
    if (planned.length === 0 && run.later.size === 0) break;
    if (planned.length > 0) round += 1;
    run.queue.push(...jobsFor(run, planned));
    await drain(run);
  }
  return finish(run);
}

/** Step 1: plan every intent (one commit) and remember which rows never ran. */
function planSlice(
  client: QboClient,
  ledger: QboLedger,
  inputs: readonly CreateInput[],
  options: CreateManyOptions,
  refused: ReadonlySet<LedgerEntity>,
): Slice {
  const perInput = ledger.planMany(inputs.map((input) => ({ ...input, realm: client.realmId })));
  const inputById = new Map(perInput.map((row, i) => [row.id, inputs[i]!]));
  if (options.retryRejected) {
    for (const [i, row] of perInput.entries()) {
      if (retryRejectedRow(client, ledger, row)) perInput[i] = ledger.get(row.id);
    }
  }
  // The same key twice in one call is one intent: it is sent once and both positions get its outcome.
  const rows = [...new Map(perInput.map((row) => [row.id, row])).values()];
  return {
    client,
    ledger,
    options,
    sender: mintSenderId(),
    leaseMs: sendLeaseMs(client),
    size: client.limiter.limits.itemsPerBatch,
    perInput,
    rows,
    inputById,
    neverRan: new Map(rows.filter((row) => row.attempts === 0).map((row) => [row.id, 0])),
    reported: new Set(),
    created: new Map(),
    queue: [],
    later: new Set(),
    refused,
  };
}

/** Does QuickBooks refuse a second copy of this row (step 3)? Names always (6240); numbers where known. */
function refusesCopies(run: Slice, row: LedgerRow): boolean {
  return 'displayName' in row.lookup || ('docNumber' in row.lookup && run.refused.has(row.entity));
}

/**
 * Rejected rows whose cause is gone (`rejected-retry.ts`) are planned again — or adopted, when the lookup
 * finds our own object — before anything is sent; the rest stay rejected and are reported so.
 */
async function reviveRejected(run: Slice): Promise<void> {
  const changed = await retryWhereCauseGone(run.client, run.ledger, run.rows);
  if (changed.size === 0) return;
  const fresh = (row: LedgerRow) => (changed.has(row.id) ? run.ledger.get(row.id) : row);
  run.perInput = run.perInput.map(fresh);
  run.rows = run.rows.map(fresh);
}

/** Reports a row that reached a final state (once). */
function report(run: Slice, id: number): void {
  if (run.reported.has(id)) return;
  const row = run.ledger.get(id);
  if (row.state !== 'created' && row.state !== 'rejected') return;
  run.reported.add(id);
  const outcome = outcomeOf(row);
  if (outcome.state === 'created') run.created.set(id, outcome);
  run.options.onSettled?.(outcome);
}

/**
 * Step 2: rows a previous run left in flight are settled before anything is sent: unknown ones (their
 * sender gave up) and sent ones whose sender's lease has run out (taken over here, one taker wins). Sent
 * rows still within their sender's lease are left to it and reported pending.
 */
async function settleInFlight(run: Slice): Promise<void> {
  const { ledger, sender, leaseMs } = run;
  const inFlight = run.rows
    .filter((r) => r.state === 'unknown' || (r.state === 'sent' && ledger.takeOver(r, sender, leaseMs)))
    .map((r) => r.id);
  for (const row of run.rows) if (row.state === 'created' || row.state === 'rejected') report(run, row.id);
  if (inFlight.length === 0) return;
  await resolveRows(run, inFlight);
  waitThenResolve(run, inFlight);
  const settled = new Set(inFlight);
  run.rows = run.rows.map((row) => (settled.has(row.id) ? ledger.get(row.id) : row));
}

/**
 * Step 6 (the lookup): settles unknown rows by one lookup that starts now. Not found → planned with the
 * latest payload, but only if the lookup began after the row's last batch send was provably over (the
 * ledger keeps it unknown otherwise).
 */
async function resolveRows(run: Slice, ids: readonly number[]): Promise<void> {
  const { client, ledger } = run;
  // Someone else may have settled a row since; only what is still unknown is looked up.
  const current = ids.map((id) => ledger.get(id)).filter((row) => row.state === 'unknown');
  if (current.length === 0) return;
  const looked = lookupStartingNow(client);
  const found = await lookUpRows(client, current, 30, lookupWatch(client, ledger));
  // One commit for the whole lookup, as for a batch's answers: each row on its own would be a synchronous
  // disk flush (synchronous = FULL) that stalls every other call of the run while it lasts.
  ledger.transaction(() => {
    for (const row of current) {
      const horizonMs = horizonFor(row, looked.horizonMs, run.refused.has(row.entity));
      settle(client, ledger, row, found.get(row.id) ?? { kind: 'absent' }, { ...looked, horizonMs });
      if (ledger.get(row.id).state === 'planned') ledger.replacePayload(row.id, run.inputById.get(row.id)!);
    }
  });
  for (const row of current) report(run, row.id);
}

/**
 * Step 6 (the wait): rows still unknown are looked up again once their last batch send is provably over;
 * the next round resends what that lookup did not find. Runs beside the workers (`later`), so the other
 * batches keep the slots busy meanwhile.
 */
function waitThenResolve(run: Slice, ids: readonly number[]): void {
  if (run.waitForLost === false) return;
  const horizonMs = unprotectedHorizonMs(run.client);
  const waiting = ids.map((id) => run.ledger.get(id)).filter((row) => row.state === 'unknown');
  if (waiting.length === 0) return;
  const task = (async () => {
    await sleep(Math.max(...waiting.map((row) => untilProvablyOver(row, horizonMs))));
    if (run.failed) return;
    await resolveRows(
      run,
      waiting.map((row) => row.id),
    );
  })().catch((error: unknown) => {
    run.failed ??= { error };
  });
  run.later.add(task);
  void task.finally(() => run.later.delete(task));
}

/** Step 3: batches for the rows that may go in one, the rest one by one. */
function jobsFor(run: Slice, planned: readonly LedgerRow[]): Job[] {
  const batchable = planned.filter((row) => mayBatch(run, row));
  return [
    ...chunk(batchable, run.size).map((batch) => ({ batch })),
    ...planned.filter((row) => !mayBatch(run, row)).map((single) => ({ single })),
  ];
}

function mayBatch(run: Slice, row: LedgerRow): boolean {
  if ('marker' in row.lookup) return false;
  if (run.neverRan.get(row.id) === row.attempts) return true;
  return refusesCopies(run, row);
}

/** Runs the queued jobs on up to the limiter's concurrency, until the queue and the waiting lookups are done. */
async function drain(run: Slice): Promise<void> {
  const worker = async () => {
    while (!run.failed) {
      const job = run.queue.shift();
      if (!job) {
        if (run.later.size === 0) return;
        await Promise.race(run.later);
        continue;
      }
      try {
        if ('batch' in job) await sendBatch(run, job.batch);
        else await sendSingle(run, job.single);
      } catch (error) {
        run.failed ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(run.client.limiter.limits.maxConcurrent, run.queue.length));
  await Promise.allSettled(Array.from({ length: workers }, worker));
  if (run.failed) {
    await Promise.allSettled(run.later);
    throw run.failed.error;
  }
}

/** One row by createOnce (own requestid, lookup before any resend). */
async function sendSingle(run: Slice, row: LedgerRow): Promise<void> {
  await createOnce(run.client, run.ledger, run.inputById.get(row.id)!, {
    duplicateNumbersRefused: run.refused.has(row.entity),
  });
  report(run, row.id);
}

/** Rows the fence refused or QuickBooks refused unprocessed: whatever is still planned is queued again. */
function requeue(run: Slice, rows: readonly LedgerRow[], unprocessed: boolean): void {
  const fresh = rows.map((r) => run.ledger.get(r.id)).filter((r) => r.state === 'planned');
  for (const row of fresh) {
    if (unprocessed && run.neverRan.get(row.id) === row.attempts - 1) run.neverRan.set(row.id, row.attempts);
  }
  run.queue.push(...jobsFor(run, fresh));
}

/** Step 4: one /batch call, its rows claimed by the fence when the slot is granted. */
async function sendBatch(run: Slice, batch: LedgerRow[]): Promise<void> {
  const { client, ledger, sender } = run;
  const ids = batch.map((r) => r.id);
  let answers: BatchItemResponse[];
  try {
    answers = await withSendLease(ledger, ids, sender, run.leaseMs, () =>
      client.batch(
        batch.map((row, i) => ({
          bId: String(i),
          operation: 'create',
          entity: { type: row.entity, body: withMarker(row) },
        })),
        { beforeSend: fence(ledger, batch, sender, true) },
      ),
    );
  } catch (error) {
    await batchFailed(run, batch, error);
    return;
  }
  await settleAnswers(run, batch, answers);
}

/** A whole /batch call failed: the rows are unknown (lost), planned again (refused unprocessed), or the run stops. */
async function batchFailed(run: Slice, batch: LedgerRow[], error: unknown): Promise<void> {
  const { ledger, sender } = run;
  const ids = batch.map((r) => r.id);
  // Someone else holds a row now (or changed its payload): nothing was sent; what is still planned goes again.
  if (error instanceof FencedOut) return requeue(run, batch, false);
  if (error instanceof ReconnectRequiredError) {
    ledger.releaseUnsent(ids, sender, { message: error.message });
    throw error;
  }
  if (!(error instanceof QboError)) {
    markLost(run, ids, { message: String(error) });
    throw error;
  }
  if (error.category === 'retryable') {
    markLost(run, ids, error.toJSON());
    await lookUpLost(run, ids);
    return;
  }
  ledger.releaseUnsent(ids, sender, error.toJSON());
  if (error.status === 413 && batch.length > 1) {
    const half = Math.ceil(batch.length / 2);
    requeue(run, batch.slice(0, half), true);
    requeue(run, batch.slice(half), true);
    return;
  }
  if (error.category === 'validation' || error.category === 'bug') {
    // The whole call was refused (nothing ran): let each item earn its own answer.
    for (const row of batch) {
      // Another worker failed the run: the rest stay planned (released above) for the next run.
      if (run.failed) return;
      await sendSingle(run, row);
    }
    return;
  }
  throw error;
}

/** This run lost track of its send of these rows (sent → unknown); they are looked up before any resend. */
function markLost(run: Slice, ids: readonly number[], error: Record<string, unknown>): void {
  for (const id of ids) run.neverRan.delete(id);
  run.ledger.markUnknown(ids, error, run.sender);
}

/** Step 6 for a lost batch: look up now (a visible commit settles at once), again once provably over. */
async function lookUpLost(run: Slice, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await resolveRows(run, ids);
  waitThenResolve(run, ids);
}

/** Step 5: every answer of the batch recorded in one commit; 6140/6240 are read after it. */
async function settleAnswers(run: Slice, batch: LedgerRow[], answers: BatchItemResponse[]): Promise<void> {
  const { client, ledger, sender } = run;
  const byBid = new Map(answers.map((a) => [String(a.bId), a]));
  const lost: number[] = [];
  const unknown: Array<[number, Record<string, unknown>]> = [];
  const duplicates: Array<[LedgerRow, QboError]> = [];
  const unprocessed: LedgerRow[] = [];
  let throttledItem: QboError | undefined;
  ledger.transaction(() => {
    for (const [i, row] of batch.entries()) {
      const answer = byBid.get(String(i));
      const entity = answer && entityInAnswer(answer, row.entity);
      const fault = answer ? faultFromObject(answer.Fault) : undefined;
      if (entity && entity.Id !== undefined) {
        recordCreated(client, ledger, row, createdFields(entity));
      } else if (fault && fault.errors.length > 0) {
        const itemError = new QboError({
          status: 400,
          ...fault,
          operation: `create ${row.entity} (batch item)`,
        });
        if (isThrottledItemFault(itemError)) {
          ledger.releaseUnsent([row.id], sender, itemError.toJSON());
          unprocessed.push(row);
          throttledItem = itemError;
        } else if (isUnknownItemFault(itemError)) {
          unknown.push([row.id, itemError.toJSON()]);
        } else if (itemError.hasCode('6140') || itemError.hasCode('6240')) {
          duplicates.push([row, itemError]);
        } else {
          ledger.markRejected(row.id, itemError.toJSON(), itemError.intuitTid);
        }
      } else {
        lost.push(row.id);
      }
    }
  });
  for (const row of unprocessed) {
    if (run.neverRan.get(row.id) === row.attempts) run.neverRan.set(row.id, row.attempts + 1);
  }
  if (throttledItem) client.limiter.pause(throttleDelay(throttledItem, retryPolicyOf(client)));
  // Marked unknown before any further call: a read that throws must not leave them `sent` (and so
  // blocked for a whole lease) when they can be looked up by the next run at once.
  for (const [id, error] of unknown) markLost(run, [id], error);
  if (lost.length > 0) markLost(run, lost, { message: 'QuickBooks answered the batch without these items' });
  // A 6140/6240 read QuickBooks does not answer stops the run like any unreachable call (its row is planned again).
  for (const [row, error] of duplicates) await settleFaultOrRelease(client, ledger, row, error, sender);
  for (const row of batch) report(run, row.id);
  await lookUpLost(run, [...unknown.map(([id]) => id), ...lost]);
}

/** The outcome per input position; rows not final are reported pending once. */
function finish(run: Slice): CreateOutcome[] {
  return run.perInput.map((r) => {
    const outcome = run.created.get(r.id) ?? outcomeOf(run.ledger.get(r.id));
    if (outcome.state === 'pending' && !run.reported.has(r.id)) {
      run.reported.add(r.id);
      run.options.onSettled?.(outcome);
    }
    return outcome;
  });
}

/**
 * Finishes what an interrupted run left in this realm's ledger (planned, sent, unknown rows) from the
 * payloads the ledger kept: in-flight rows are looked up first; rows never sent go out in batches, rows
 * sent before (by createOnce or a batch) alone with their requestids. Safe to run at start-up.
 */
export async function resumeUnfinished(
  client: QboClient,
  ledger: QboLedger,
  options: CreateManyOptions = {},
): Promise<CreateOutcome[]> {
  const rows = ledger.unfinished(client.realmId);
  if (rows.length === 0) return [];
  return createMany(
    client,
    ledger,
    rows.map((row) => ({ key: row.key, entity: row.entity, payload: row.payload, lookup: row.lookup })),
    options,
  );
}
