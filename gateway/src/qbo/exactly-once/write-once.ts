import type { QboClient } from '../http/client';
import { isUnreachable, QboError } from '../http/errors';
import { resendDelay, sleep } from '../http/retry';
import { sendLeaseMs, unprotectedHorizonMs, withSendLease } from '../limits/send-lease';
import { ReconnectRequiredError } from '../oauth/token-source';
import { noteDuplicateNumbers } from './duplicate-numbers';
import { type LedgerRow, mintSenderId, type PlanInput, type QboLedger } from './ledger';
import { recordCreated } from './record-created';
import { retryRejectedRow, retryWhereCauseGone } from './rejected-retry';
import {
  createdFields,
  lookUpRows,
  lookupWatch,
  type NameHolder,
  type PersonEntity,
  type Resolution,
  resolveDuplicateDocNumber,
  resolveDuplicateName,
  withMarker,
} from './resolve';

export { isUnreachable } from '../http/errors';
export { recordCreated } from './record-created';

/**
 * Creating one object in QuickBooks exactly once. This is the API flows use for single writes:
 *
 *   const outcome = await createOnce(client, ledger, {
 *     key: `mis:invoice:${id}`, entity: 'Invoice', payload, lookup: { docNumber },
 *   });
 *   // outcome.state: 'created' (qboId) | 'rejected' (message for the user) | 'pending' (try the next run)
 *
 * `lookup` says how an unknown outcome is found again in QuickBooks; pick by what the payload carries:
 * - `{ docNumber }` — an Invoice/Bill with our own DocNumber (custom transaction numbers on, or the
 *   vendor's bill number);
 * - `{ displayName }` — a Customer/Vendor;
 * - `{ marker: { customerRef, txnDate } }` (Invoice) / `{ marker: { vendorRef, txnDate } }` (Bill) — a
 *   transaction without a DocNumber of ours: QuickBooks auto-numbers invoices (`CustomTxnNumbers` off; do
 *   not send one then) or a bill has no vendor number. The payload must carry that same CustomerRef/
 *   VendorRef and `TxnDate` (plan() throws otherwise). The writer appends `qb-bridge ref <requestid> key <mark>` to the
 *   payload's own PrivateNote (kept as is; only a note over ~3,930 characters is shortened to fit), and the
 *   lookup matches that marker among the party's transactions of that date; a person who later deletes the
 *   marker from the note makes a crashed row unfindable (the resend then relies on QuickBooks' requestid replay).
 *
 * It plans the ledger row (idempotent), settles any earlier unknown outcome by lookup, sends with the
 * row's requestid, and classifies the answer. Call it again with the same key at any time — after a crash,
 * on the next run, twice in a row — and it never creates a second object: a row another run is still
 * sending is left to it (outcome `pending`) until that run's lease runs out (`send-lease.ts`). When
 * QuickBooks cannot be reached to settle a row (its lookup or a 6140's read fails with a 5xx, timeout or
 * throttle) the outcome is `pending` too and the next run continues; only a lost connection (reconnect,
 * auth) throws. The row is claimed when the limiter grants the slot (the fence: still planned, same
 * attempt, payload hash and requestid), and after a lost send the backoff comes first and the lookup last,
 * right before the resend; a row last sent in a batch (no requestid) is looked up only once that send is
 * provably over (`untilProvablyOver`). For many objects use `createMany` in `batch.ts`, which follows the
 * same state machine: first attempts of DocNumber/DisplayName rows through `/batch`, everything else —
 * rows QuickBooks numbers, resends where the company may accept a duplicate number — through this
 * function with the row's requestid (batches carry none for QuickBooks to replay).
 */

export interface CreateInput extends Omit<PlanInput, 'realm'> {}

export type CreateOutcome =
  | {
      key: string;
      state: 'created';
      ledgerId: number;
      qboId: string;
      syncToken: string | null;
      adopted: boolean;
    }
  | {
      key: string;
      state: 'rejected';
      ledgerId: number;
      message: string;
      code: string;
      error: Record<string, unknown>;
    }
  /** Not settled in this run (QuickBooks unreachable); the row stays and the next run continues from it. */
  | { key: string; state: 'pending'; ledgerId: number; message: string };

export function outcomeOf(
  row: LedgerRow,
  fallbackMessage = 'Not finished; it will be completed on the next run',
): CreateOutcome {
  if (row.state === 'created') {
    return {
      key: row.key,
      state: 'created',
      ledgerId: row.id,
      qboId: row.qboId ?? '',
      syncToken: row.syncToken,
      adopted: row.adopted,
    };
  }
  if (row.state === 'rejected') {
    const error = row.error ?? {};
    const errors = Array.isArray(error.errors) ? (error.errors as Array<{ code?: unknown }>) : [];
    return {
      key: row.key,
      state: 'rejected',
      ledgerId: row.id,
      message: typeof error.message === 'string' ? error.message : 'QuickBooks refused it',
      code: String(errors[0]?.code ?? ''),
      error,
    };
  }
  if (row.state === 'sent') {
    return {
      key: row.key,
      state: 'pending',
      ledgerId: row.id,
      message: `Still being sent by another run (since ${row.sentAt ?? 'a moment ago'}); that run settles it, or the next run once it has stopped`,
    };
  }
  const message = typeof row.error?.message === 'string' ? row.error.message : fallbackMessage;
  return { key: row.key, state: 'pending', ledgerId: row.id, message };
}

/** The user-facing rejection for "our DocNumber / name already belongs to someone else's object". */
export function takenError(row: LedgerRow, existing: Record<string, unknown>): Record<string, unknown> {
  const id = String(existing.Id ?? '?');
  // A marker-looked-up transaction can only be "taken" through a 6140 on a DocNumber its payload carried.
  const number =
    'docNumber' in row.lookup
      ? row.lookup.docNumber
      : String(row.payload.DocNumber ?? existing.DocNumber ?? '');
  const message =
    'displayName' in row.lookup
      ? `The name "${row.lookup.displayName}" is already used in QuickBooks; rename one of them.`
      : `Number ${number} is already used by ${row.entity} ${id} in QuickBooks, which qb-bridge did not create from this row; give the row a different number or delete that ${row.entity.toLowerCase()}.`;
  const code = 'displayName' in row.lookup ? '6240' : '6140';
  return {
    status: 400,
    category: 'validation',
    errors: [{ code, message: 'Duplicate', detail: message, element: '' }],
    message,
  };
}

const article = (entity: PersonEntity) =>
  entity === 'Employee' ? 'An employee' : `A ${entity.toLowerCase()}`;

export function inactiveNameMessage(entity: 'Customer' | 'Vendor', name: string): string {
  return `The ${entity.toLowerCase()} "${name}" exists in QuickBooks but is inactive; make it active in QuickBooks (or use a different name) and run again.`;
}

export function nameClashMessage(
  wanted: 'Customer' | 'Vendor',
  other: PersonEntity,
  name: string,
  active: boolean,
): string {
  const lists = other === 'Employee' ? 'customer, vendor and employee names' : 'customer and vendor names';
  return `${article(other)} named "${name}"${active ? '' : ' (inactive)'} already exists; QuickBooks needs ${lists} to differ — rename one (for example "${name} (${wanted.toLowerCase()})").`;
}

/** The rejection for a 6240 whose holder is not ours: says which list holds the name and what to do. */
function nameTakenError(row: LedgerRow, holder: Exclude<NameHolder, { kind: 'found' }>, error: QboError) {
  const wanted = row.entity === 'Vendor' ? 'Vendor' : 'Customer';
  const name = 'displayName' in row.lookup ? row.lookup.displayName : String(row.payload.DisplayName ?? '');
  const shown = (entity: Record<string, unknown>) => String(entity.DisplayName ?? name);
  const message =
    holder.kind === 'inactive'
      ? inactiveNameMessage(wanted, shown(holder.entity))
      : holder.kind === 'other'
        ? nameClashMessage(wanted, holder.holder, shown(holder.entity), holder.entity.Active !== false)
        : `QuickBooks says the name "${name}" is already used by a customer, vendor or employee (inactive ones count too), but qb-bridge cannot see which; find it in QuickBooks and rename one.`;
  return { ...error.toJSON(), message };
}

/** When a lookup ran: it began at `from` (ISO); `horizonMs` is `unprotectedHorizonMs(client)`. */
export interface LookupTime {
  from: string;
  horizonMs: number;
}

export function lookupStartingNow(client: Parameters<typeof unprotectedHorizonMs>[0]): LookupTime {
  return { from: new Date().toISOString(), horizonMs: unprotectedHorizonMs(client) };
}

/**
 * The horizon a lookup must clear for `row`: none for a numbered row where the company is known to refuse
 * a duplicate number (`duplicate-numbers.ts`). An earlier send of it that commits late, or commits unseen by
 * the lookup, makes the resend fail with 6140 naming it, and the row adopts it; nothing can duplicate.
 */
export function horizonFor(row: Pick<LedgerRow, 'lookup'>, horizonMs: number, refused: boolean): number {
  return refused && 'docNumber' in row.lookup ? 0 : horizonMs;
}

/**
 * Real ms until a lookup of `row` can prove its last send without a requestid absent (0 when it can now):
 * that send must be over — past our timeout, QuickBooks' timeout and the query lag.
 */
export function untilProvablyOver(row: Pick<LedgerRow, 'unprotectedAt'>, horizonMs: number): number {
  if (row.unprotectedAt === null) return 0;
  return Math.max(0, Date.parse(row.unprotectedAt) + horizonMs - Date.now());
}

/**
 * Applies a lookup result to the unknown row the lookup ran for (`row` is the snapshot it saw): created
 * (adopted), rejected as taken, or back to planned — the last two only if no one settled or resent the row
 * since (see the compare-and-swap in the ledger), and "not found" only when the lookup began after the
 * row's last send without a requestid was provably over (otherwise the row stays unknown).
 */
export function settle(
  client: Pick<QboClient, 'log'>,
  ledger: QboLedger,
  row: LedgerRow,
  resolution: Resolution,
  looked: LookupTime,
): void {
  if (resolution.kind === 'found') {
    recordCreated(client, ledger, row, { ...createdFields(resolution.entity), adopted: true });
  } else if (resolution.kind === 'taken') {
    // Rejected on a lookup's word, not an answer: a send of this row may still commit (rejected-retry.ts).
    const error = { ...takenError(row, resolution.entity), afterLookup: true };
    ledger.markRejected(row.id, error, undefined, { attempts: row.attempts });
  } else {
    ledger.replanAfterLookup(row.id, row.attempts, looked.from, looked.horizonMs);
  }
}

/** Thrown from the fence (`beforeSend`) when the ledger row is no longer what the request was built from. */
export class FencedOut extends Error {
  constructor() {
    super('The ledger row changed hands or payload before the request left; it was not sent');
    this.name = 'FencedOut';
  }
}

/** The `beforeSend` hook that claims `rows` for `sender` at slot grant (QboLedger.claim), or stops the call. */
export function fence(
  ledger: QboLedger,
  rows: ReadonlyArray<LedgerRow>,
  sender: string,
  unprotected: boolean,
): () => void {
  return () => {
    if (!ledger.claim(rows, sender, unprotected)) throw new FencedOut();
  };
}

/**
 * Handles a definitive (non-ambiguous) fault for the sender's own row; a 6140 or 6240 may still turn out to
 * be ours (a resend of something that did commit, or the same name asked for twice).
 */
export async function settleFault(
  client: QboClient,
  ledger: QboLedger,
  row: LedgerRow,
  error: QboError,
  sender: string,
): Promise<void> {
  if (error.hasCode('6140')) {
    // QuickBooks itself just refused a used number: the company's duplicate check is on (for now).
    noteDuplicateNumbers(ledger.db, client.realmId, row.entity, true, `6140 on ${row.key}`);
    const resolution = await resolveDuplicateDocNumber(client, row, error, ledger.orphanCheck());
    if (resolution.kind === 'found') {
      recordCreated(client, ledger, row, { ...createdFields(resolution.entity), adopted: true });
    } else if (resolution.kind === 'taken') {
      ledger.markRejected(row.id, takenError(row, resolution.entity));
    } else {
      // The number is used but we cannot see by whom — perhaps our own earlier send, not visible yet. Not a
      // rejection (renumbering would create a second copy): the row stays pending and is looked up again.
      const number = String(row.payload.DocNumber ?? '');
      ledger.markUnresolved(
        row.id,
        {
          ...error.toJSON(),
          message: `QuickBooks says number ${number} is already used but qb-bridge cannot see by which transaction yet; it looks again on the next run`,
        },
        sender,
      );
    }
    return;
  }
  if (error.hasCode('6240') && (row.entity === 'Customer' || row.entity === 'Vendor')) {
    const holder = await resolveDuplicateName(client, row);
    if (holder.kind === 'found') {
      recordCreated(client, ledger, row, { ...createdFields(holder.entity), adopted: true });
    } else {
      ledger.markRejected(row.id, nameTakenError(row, holder, error), error.intuitTid);
    }
    return;
  }
  ledger.markRejected(row.id, error.toJSON(), error.intuitTid);
}

function unreachableMessage(what: string, error: QboError): string {
  return `QuickBooks could not be reached to check ${what} (${error.message}); the next run continues from here`;
}

function unreachableOutcome(row: LedgerRow, what: string, error: QboError): CreateOutcome {
  return { key: row.key, state: 'pending', ledgerId: row.id, message: unreachableMessage(what, error) };
}

/**
 * `settleFault` for the sender's own row. When the read a 6140/6240 needs cannot reach QuickBooks, the row
 * goes back to planned with that error before the error is rethrown: either fault proves this request
 * created nothing, so the row must not stay `sent` (blocked for a whole lease).
 */
export async function settleFaultOrRelease(
  client: QboClient,
  ledger: QboLedger,
  row: LedgerRow,
  error: QboError,
  sender: string,
): Promise<void> {
  try {
    await settleFault(client, ledger, row, error, sender);
  } catch (readError) {
    if (isUnreachable(readError)) {
      const what = error.hasCode('6240')
        ? `who holds the name "${String(row.payload.DisplayName ?? '')}"`
        : `who holds number ${String(row.payload.DocNumber ?? '')}`;
      ledger.releaseUnsent([row.id], sender, { message: unreachableMessage(what, readError) });
    }
    throw readError;
  }
}

export interface CreateOnceOptions {
  /** Sends (each after a lookup when the one before was lost) before giving up for this run. */
  maxRounds?: number;
  /**
   * A rejected row is planned again with a new requestid and sent once more (`--retry-rejected`): for a
   * user who fixed the cause named in its message (renamed the clashing customer, voided the invoice that
   * held the number). If the cause is still there, QuickBooks refuses it again and it stays rejected.
   */
  retryRejected?: boolean;
  /**
   * The company is known to refuse a duplicate number (`duplicate-numbers.ts`): a numbered row last sent in
   * a batch is looked up and resent without waiting for that send to be provably over.
   */
  duplicateNumbersRefused?: boolean;
}

/**
 * A sent row: another run's request may still be on its way, so it is left to that run until its lease
 * has run out, then taken over (one taker wins). Returns the row as it is now.
 */
function takeOverIfStale(ledger: QboLedger, row: LedgerRow, sender: string, leaseMs: number): LedgerRow {
  ledger.takeOver(row, sender, leaseMs);
  return ledger.get(row.id);
}

export async function createOnce(
  client: QboClient,
  ledger: QboLedger,
  input: CreateInput,
  options: CreateOnceOptions = {},
): Promise<CreateOutcome> {
  const maxRounds = options.maxRounds ?? 4;
  const sender = mintSenderId();
  const leaseMs = sendLeaseMs(client);
  let row = ledger.plan({ ...input, realm: client.realmId });
  const horizonMs = horizonFor(row, unprotectedHorizonMs(client), options.duplicateNumbersRefused === true);
  if (options.retryRejected && retryRejectedRow(client, ledger, row)) row = ledger.get(row.id);
  // A rejection whose cause is gone (the clashing number or name freed, the item made active) goes again.
  if (row.state === 'rejected' && (await retryWhereCauseGone(client, ledger, [row])).size > 0) {
    row = ledger.get(row.id);
  }
  // Sends of ours that ended in a 5xx/unknown outcome: each resend after one waits a growing backoff.
  let lostSends = 0;
  for (let round = 0; round < maxRounds; round++) {
    if (row.state === 'created' || row.state === 'rejected') return outcomeOf(row);
    if (row.state === 'sent') {
      row = takeOverIfStale(ledger, row, sender, leaseMs);
      if (row.state === 'sent') return outcomeOf(row);
      continue;
    }
    if (lostSends > 0) {
      // The backoff comes BEFORE the lookup, so the lookup is the last thing before the resend.
      await sleep(resendDelay(lostSends, client.timeScale));
      row = ledger.get(row.id);
      if (row.state !== 'planned' && row.state !== 'unknown') continue;
    }
    if (row.state === 'unknown') {
      // A send without a requestid (a batch) may still commit or show up late: wait until it is over.
      const wait = untilProvablyOver(row, horizonMs);
      if (wait > 0) {
        await sleep(wait);
        row = ledger.get(row.id);
        if (row.state !== 'unknown') continue;
      }
      const looked = { ...lookupStartingNow(client), horizonMs };
      let found: Map<number, Resolution>;
      try {
        found = await lookUpRows(client, [row], 30, lookupWatch(client, ledger));
      } catch (error) {
        // Not settled, nothing resent: the row stays unknown and the next run looks it up again.
        if (isUnreachable(error)) return unreachableOutcome(row, 'whether an earlier attempt arrived', error);
        throw error;
      }
      settle(client, ledger, row, found.get(row.id) ?? { kind: 'absent' }, looked);
      row = ledger.get(row.id);
      // Found, taken, or settled by someone else: the top of the loop reports it. Not found: resent in this
      // same round, so `maxRounds` counts sends and a lookup does not use one up.
      if (row.state !== 'planned') continue;
      // A crashed-then-edited row goes out with the payload asked for now (its requestid stays).
      row = ledger.replacePayload(row.id, input);
    }
    const outcome = await sendOne(client, ledger, row, sender, leaseMs);
    if (outcome === 'lost') lostSends += 1;
    if (outcome === 'stop') return outcomeOf(ledger.get(row.id));
    row = ledger.get(row.id);
  }
  return outcomeOf(row);
}

/**
 * One single create of a planned row with its requestid, claimed for `sender` when the limiter grants the
 * slot (the fence re-checks attempt, payload hash and requestid; a row someone else changed is not sent).
 * `lost`: the outcome is unknown (row unknown); `stop`: leave the row for the next run; `done`: settled or
 * fenced out (the caller re-reads the row).
 */
export async function sendOne(
  client: QboClient,
  ledger: QboLedger,
  row: LedgerRow,
  sender: string,
  leaseMs: number,
): Promise<'done' | 'lost' | 'stop'> {
  try {
    const entity = await withSendLease(ledger, [row.id], sender, leaseMs, () =>
      client.create(row.entity, withMarker(row), row.requestId, {
        beforeSend: fence(ledger, [row], sender, false),
      }),
    );
    recordCreated(client, ledger, row, createdFields(entity));
    return 'done';
  } catch (error) {
    if (error instanceof FencedOut) return 'done';
    if (error instanceof ReconnectRequiredError) {
      // No usable token: the request never left.
      ledger.releaseUnsent([row.id], sender, { message: error.message });
      throw error;
    }
    if (!(error instanceof QboError)) {
      // Anything else (token refresh failure, programming error): the call may or may not have left,
      // so the row is unknown and the next attempt looks it up first.
      ledger.markUnknown([row.id], { message: String(error) }, sender);
      throw error;
    }
    if (error.category === 'retryable') {
      ledger.markUnknown([row.id], error.toJSON(), sender);
      return 'lost';
    }
    if (error.category === 'throttled' || error.category === 'auth' || error.category === 'reconnect') {
      // Refused before processing (401/403/429 are answered without running the create).
      ledger.releaseUnsent([row.id], sender, error.toJSON());
      if (error.category !== 'throttled') throw error;
      return 'stop';
    }
    try {
      await settleFaultOrRelease(client, ledger, row, error, sender);
    } catch (readError) {
      if (isUnreachable(readError)) return 'stop';
      throw readError;
    }
    return 'done';
  }
}
