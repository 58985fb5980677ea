import type { BatchItemResponse, QboClient } from '../http/client';
import { QboError } from '../http/errors';
import { faultFromObject } from '../http/fault-parse';
import { defaultRetryPolicy, type RetryPolicy, resendDelay, sleep, throttleDelay } from '../http/retry';
import { sendLeaseMs, withSendLease } from '../limits/send-lease';
import { ReconnectRequiredError } from '../oauth/token-source';
import { chunk } from '../query';
import { type LedgerRow, mintSenderId, type QboLedger } from './ledger';
import { createdFields, lookUpRows, withMarker } from './resolve';
import {
  type CreateInput,
  type CreateOutcome,
  createOnce,
  outcomeOf,
  recordCreated,
  settle,
  settleFaultOrRelease,
} from './write-once';

/**
 * The batch writer: what bulk flows use to create many objects exactly once.
 *
 *   const outcomes = await createMany(client, ledger, inputs, { onSettled: (o) => progress(o) });
 *
 * Intuit's batch endpoint is not transactional and its requestid replay is unreliable (qbo-api.md §3.2,
 * §4.3), so batches carry no requestid. They take FIRST attempts (a row never sent cannot have been
 * committed) and this run's own lost sends of rows looked up by DocNumber or DisplayName, once a backoff
 * and a lookup found nothing: QuickBooks refuses a second object with that number or name (6140/6240),
 * which settles as ours, so even a commit the lookup missed is not created twice (the full argument is at
 * `rebatch` below). Every other row that may have reached QuickBooks before — a marker-looked-up row, one
 * taken over from a stopped run, or left by a crash for `resumeUnfinished` — goes alone through
 * `createOnce` with its stored requestid (§4.3 point 4), so a commit the lookup missed (a marker a person
 * removed, a commit visible late) is replayed by QuickBooks rather than created twice. Every item has its own ledger row, moved to `sent` (in one
 * transaction for the whole batch) before the call; its bId is its position in the batch and maps back
 * to that row. Then:
 * - an entity in the answer → created; a per-item Fault → rejected with a sentence (6140/6240 may be
 *   adopted when the existing transaction or name is ours); a throttled item → back to planned; a system fault (10000)
 *   → unknown, like a missing item, since the item may have committed before the fault;
 * - an item missing from the answer, or a whole call whose outcome is unknown (timeout, dropped
 *   connection, 5xx) → `unknown`; after a growing backoff, settled by DocNumber/DisplayName lookups in
 *   `IN (…)` chunks, and only the items not found are sent again: in a batch at once when the rule above
 *   allows, otherwise in the next round one by one with their requestids;
 * - 413 → the batch is split in half; a whole-batch validation fault → items go one by one (createOnce),
 *   so each gets its own answer; 401/403/reconnect → rows go back to planned and the error stops the run.
 * Rows are claimed for one writer run (`sent_by`) when marked sent, and kept while the call waits
 * (`send-lease.ts`); a row another run is sending is not touched until that run's lease has run out, and is
 * reported pending meanwhile.
 * Calls run concurrently up to the limiter's concurrency, and the limiter paces them.
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
  if (inputs.length <= slice) return createSlice(client, ledger, inputs, options);
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
  const outcomes: CreateOutcome[] = [];
  for (let start = 0; start < inputs.length; start += slice) {
    outcomes.push(
      ...(await createSlice(client, ledger, inputs.slice(start, start + slice), { ...options, onSettled })),
    );
  }
  return outcomes;
}

async function createSlice(
  client: QboClient,
  ledger: QboLedger,
  inputs: readonly CreateInput[],
  options: CreateManyOptions,
): Promise<CreateOutcome[]> {
  const maxRounds = options.maxRounds ?? 6;
  const sender = mintSenderId();
  const leaseMs = sendLeaseMs(client);
  const size = client.limiter.limits.itemsPerBatch;
  const concurrency = client.limiter.limits.maxConcurrent;
  const perInput = ledger.planMany(inputs.map((input) => ({ ...input, realm: client.realmId })));
  // The same key twice in one call is one intent: it is sent once and both positions get its outcome.
  const rows = [...new Map(perInput.map((row) => [row.id, row])).values()];
  const inputById = new Map(perInput.map((row, i) => [row.id, inputs[i]!]));
  // Rows never sent before go through /batch, which carries no requestid (and `rebatch` below): a row that
  // may have reached QuickBooks already (sent by an earlier run, taken over, or a marker row this run lost
  // track of) is resent as a single create with its stored requestid, so QuickBooks replays an earlier commit a lookup missed (a
  // marker a person removed, a commit that became visible late) instead of creating a second object.
  // Per batchable row, the attempts it may have while still never having run: this run's own sends that
  // QuickBooks refused unprocessed (a throttled item, a 413). A higher count means another run sent it
  // meanwhile, which makes the next send a resend too.
  const batchable = new Map(rows.filter((row) => row.attempts === 0).map((row) => [row.id, 0]));
  const isFirstAttempt = (row: LedgerRow) => batchable.get(row.id) === row.attempts;
  // How many sends of each row this run lost (5xx, dropped, unknown item): the wait before its lookup and
  // resend grows with it.
  const lost = new Map<number, number>();
  const markUnknown = (ids: readonly number[], error: Record<string, unknown>) => {
    for (const id of ids) {
      batchable.delete(id);
      lost.set(id, (lost.get(id) ?? 0) + 1);
    }
    ledger.markUnknown(ids, error, sender);
  };
  /*
   * Rows this run lost and then looked up without finding, which may go out again in a batch (value: the
   * attempt count the lookup ran against). Exactly once without a requestid rests on three things:
   * 1. Our own request is over: QuickBooks answered it (5xx, a faulted or missing item) or our connection
   *    to it ended. The lookup reads every page, and finding the object settles the row; the resend then
   *    waits a backoff (`lookUpLost`).
   * 2. Only rows looked up by DocNumber or DisplayName qualify, because QuickBooks itself refuses a second
   *    object with the same DocNumber (6140) or name (6240, never allowed): if the first send did commit
   *    and the lookup missed it (a commit that became visible late), the batched resend is refused, and
   *    settleFault reads the holder and adopts it when it is ours. Caveat (qbo-api.md §5.1): whether a
   *    duplicate number raises 6140 depends on a company setting; with it off this guard is gone and a
   *    batched resend rests on the lookup of point 1 alone, where a single create would also have
   *    QuickBooks' requestid replay. Marker-looked-up rows have no such guard at all and still go alone
   *    with their requestid.
   * 3. The ledger's compare-and-swap: the row is rebatched only at the attempt count the lookup saw; if
   *    another run sent it since, it is that run's send we know nothing about, and it goes alone.
   */
  const rebatch = new Map<number, number>();
  const mayRebatch = (row: LedgerRow) => rebatch.get(row.id) === row.attempts;
  const settled = new Set<number>();
  // Outcomes of rows already created (final, never changes): after the last batch the run re-reads only the
  // others. Re-reading 3,000 rows twice (next round's plan, the return value) is CPU on the tail of the run.
  const created = new Map<number, CreateOutcome>();
  const report = (id: number) => {
    if (settled.has(id)) return;
    const row = ledger.get(id);
    if (row.state !== 'created' && row.state !== 'rejected') return;
    settled.add(id);
    const outcome = outcomeOf(row);
    if (outcome.state === 'created') created.set(id, outcome);
    options.onSettled?.(outcome);
  };

  /** Settles unknown rows by lookup; the ones not found go back to planned with the latest payload. */
  async function resolveUnknown(ids: readonly number[]): Promise<void> {
    // Someone else may have settled a row since; only what is still unknown is looked up.
    const current = ids.map((id) => ledger.get(id)).filter((row) => row.state === 'unknown');
    if (current.length === 0) return;
    const looked = await lookUpRows(client, current);
    // One commit for the whole lookup, as for a batch's answers: each row on its own would be a synchronous
    // disk flush (synchronous = FULL) that stalls every other call of the run while it lasts.
    ledger.transaction(() => {
      for (const row of current) {
        settle(client, ledger, row, looked.get(row.id) ?? { kind: 'absent' });
        const after = ledger.get(row.id);
        if (after.state === 'planned') {
          ledger.replacePayload(row.id, inputById.get(row.id)!);
          if (lost.has(row.id) && !('marker' in row.lookup)) rebatch.set(row.id, after.attempts);
        }
      }
    });
    for (const row of current) report(row.id);
  }

  // One failing call stops the run: the other workers finish the call they are in but send nothing new,
  // and the error is rethrown only once all have stopped, so nothing is sent after the caller saw it.
  let failed: { error: unknown } | undefined;

  /**
   * Rows this run's own send lost: look them up at once (a commit that did land settles without waiting);
   * when some were not found, wait a backoff that grows with how often they were lost, then queue the ones
   * that may go in a batch again (the other workers keep the batch slots busy meanwhile). The rest wait
   * for the next round and go alone, after this same wait.
   */
  async function lookUpLost(ids: readonly number[], requeue: (rows: LedgerRow[]) => void): Promise<void> {
    if (ids.length === 0) return;
    await resolveUnknown(ids);
    const absent = ids.map((id) => ledger.get(id)).filter((row) => row.state === 'planned');
    if (absent.length === 0) return;
    await sleep(resendDelay(Math.max(...absent.map((row) => lost.get(row.id) ?? 1)), client.timeScale));
    // Re-read: another run may have claimed a row meanwhile. A row lost `maxRounds` times is left for a
    // later round or run: QuickBooks keeps failing it.
    const again = absent
      .map((row) => ledger.get(row.id))
      .filter((row) => row.state === 'planned' && mayRebatch(row) && (lost.get(row.id) ?? 0) < maxRounds);
    for (const part of chunk(again, size)) requeue(part);
  }

  /** One row by createOnce (own requestid, lookup before any resend); it is never batched again. */
  async function sendSingle(row: LedgerRow): Promise<void> {
    batchable.delete(row.id);
    rebatch.delete(row.id);
    await createOnce(client, ledger, inputById.get(row.id)!);
    report(row.id);
  }

  async function sendBatch(planned: LedgerRow[], requeue: (rows: LedgerRow[]) => void): Promise<void> {
    // A row another run claimed since we read it is its own now: it is not sent from here.
    const claimed = new Set(
      ledger.markSent(
        planned.map((r) => r.id),
        sender,
      ),
    );
    const batch = planned.filter((r) => claimed.has(r.id));
    if (batch.length === 0) return;
    for (const row of batch) {
      // This send is counted; if QuickBooks refuses it unprocessed (a throttled item, 413) it stays batchable.
      if (batchable.has(row.id)) batchable.set(row.id, row.attempts + 1);
      if (rebatch.has(row.id)) rebatch.set(row.id, row.attempts + 1);
    }
    const ids = batch.map((r) => r.id);
    let answers: BatchItemResponse[];
    try {
      answers = await withSendLease(ledger, ids, sender, leaseMs, () =>
        client.batch(
          batch.map((row, i) => ({
            bId: String(i),
            operation: 'create',
            entity: { type: row.entity, body: withMarker(row) },
          })),
        ),
      );
    } catch (error) {
      if (error instanceof ReconnectRequiredError) {
        ledger.releaseUnsent(ids, sender, { message: error.message });
        throw error;
      }
      if (!(error instanceof QboError)) {
        markUnknown(ids, { message: String(error) });
        throw error;
      }
      if (error.category === 'retryable') {
        markUnknown(ids, error.toJSON());
        await lookUpLost(ids, requeue);
        return;
      }
      ledger.releaseUnsent(ids, sender, error.toJSON());
      if (error.status === 413 && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        requeue(batch.slice(0, half).map((r) => ledger.get(r.id)));
        requeue(batch.slice(half).map((r) => ledger.get(r.id)));
        return;
      }
      if (error.category === 'validation' || error.category === 'bug') {
        // The whole call was refused (nothing ran): let each item earn its own answer.
        for (const row of batch) {
          // Another worker failed the run: the rest stay planned (released above) for the next run.
          if (failed) return;
          await sendSingle(row);
        }
        return;
      }
      throw error;
    }
    const byBid = new Map(answers.map((a) => [String(a.bId), a]));
    const missing: number[] = [];
    const unknown: Array<[number, Record<string, unknown>]> = [];
    const duplicates: Array<[LedgerRow, QboError]> = [];
    let throttledItem: QboError | undefined;
    // Every answer of the batch is recorded in one commit; only 6140/6240 need a further read, done after it.
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
            throttledItem = itemError;
          } else if (isUnknownItemFault(itemError)) {
            unknown.push([row.id, itemError.toJSON()]);
          } else if (itemError.hasCode('6140') || itemError.hasCode('6240')) {
            duplicates.push([row, itemError]);
          } else {
            ledger.markRejected(row.id, itemError.toJSON(), itemError.intuitTid);
          }
        } else {
          missing.push(row.id);
        }
      }
    });
    if (throttledItem) client.limiter.pause(throttleDelay(throttledItem, retryPolicyOf(client)));
    // Marked unknown before any further call: a read that throws must not leave them `sent` (and so
    // blocked for a whole lease) when they can be looked up by the next run at once.
    for (const [id, error] of unknown) markUnknown([id], error);
    if (missing.length > 0)
      markUnknown(missing, { message: 'QuickBooks answered the batch without these items' });
    // A 6140/6240 read QuickBooks does not answer stops the run like any unreachable call (its row is planned again).
    for (const [row, error] of duplicates) await settleFaultOrRelease(client, ledger, row, error, sender);
    for (const row of batch) report(row.id);
    await lookUpLost([...unknown.map(([id]) => id), ...missing], requeue);
  }

  // Rows a previous run left in flight are settled before anything is sent: unknown ones (their sender
  // gave up) and sent ones whose sender's lease has run out (taken over here, one taker wins). Sent rows
  // still within their sender's lease are left to it and reported pending.
  const inFlight = rows
    .filter((r) => r.state === 'unknown' || (r.state === 'sent' && ledger.takeOver(r, sender, leaseMs)))
    .map((r) => r.id);
  await resolveUnknown(inFlight);
  for (const row of rows) if (row.state === 'created' || row.state === 'rejected') report(row.id);
  const settledEarly = new Set(inFlight);

  for (let round = 0; round < maxRounds; round++) {
    // The first round works from the rows just planned (re-reading 3,000 rows costs more than the batch).
    const planned =
      round === 0
        ? rows
            .map((r) => (settledEarly.has(r.id) ? ledger.get(r.id) : r))
            .filter((r) => r.state === 'planned')
        : rows
            .filter((r) => !created.has(r.id))
            .map((r) => ledger.get(r.id))
            .filter((r) => r.state === 'planned');
    if (planned.length === 0) break;
    // Batches first (the bulk of a run), then the rows that may have been sent before, one by one.
    const queue: Array<LedgerRow[] | LedgerRow> = [
      ...chunk(
        planned.filter((r) => isFirstAttempt(r) || mayRebatch(r)),
        size,
      ),
      ...planned.filter((r) => !isFirstAttempt(r) && !mayRebatch(r)),
    ];
    const requeue = (part: LedgerRow[]) => {
      if (part.length > 0) queue.push(part);
    };
    const worker = async () => {
      while (!failed) {
        const next = queue.shift();
        if (!next) return;
        try {
          if (Array.isArray(next)) await sendBatch(next, requeue);
          else await sendSingle(next);
        } catch (error) {
          failed ??= { error };
        }
      }
    };
    await Promise.allSettled(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    if (failed) throw failed.error;
  }

  return perInput.map((r) => {
    const outcome = created.get(r.id) ?? outcomeOf(ledger.get(r.id));
    if (outcome.state === 'pending' && !settled.has(r.id)) {
      settled.add(r.id);
      options.onSettled?.(outcome);
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
