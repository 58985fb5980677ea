import type { QboClient } from '../http/client';
import { isUnreachable } from '../http/errors';
import { unprotectedHorizonMs } from '../limits/send-lease';
import type { LedgerRow, QboLedger } from './ledger';
import { recordCreated } from './record-created';
import { createdFields, lookUpRows, lookupWatch, resolveDuplicateName } from './resolve';

/**
 * The retry path of a `rejected` row. A rejection is final until one of:
 * 1. the payload changes (the source was fixed: `plan` re-plans it with a new requestid);
 * 2. the user asks (`--retry-rejected` on the flows' run commands, `retryRejected` on their REST runs):
 *    the row is planned again with a new requestid and sent once more;
 * 3. the cause its rejection names is provably gone (`retryWhereCauseGone`, every run, no flag). Only causes
 *    that name something a read can check qualify:
 *    - 6140, our number held by another transaction: a lookup by that number (for a bill, the same
 *      vendor's) finds none → planned; finds ours (a late commit) → created; someone else's → stays;
 *    - 6240, our name held by another list's record or an inactive one of ours: no customer, vendor or
 *      employee holds it any more → planned; our own list holds it active now → created (adopted);
 *    - 2500, an invalid reference at the element QuickBooks names (CustomerRef, VendorRef,
 *      Line.SalesItemLineDetail.ItemRef, …AccountRef): every id the payload carries there reads back
 *      active → planned.
 *    Everything else — amounts (6070), business rules (6000), unknown properties (2010), closed books,
 *    tax — names nothing a read can check, and only 1 or 2 sends it again.
 * A row QuickBooks itself refused (an answer to our send) may go again at once: that send is over. A row
 * rejected on a lookup's word (an unknown send, then its number found taken: `afterLookup` in its error)
 * must in 2 and 3 also be past its last send by the unprotected horizon (our timeout + Intuit's 120 s + the
 * visibility margin): that send may still commit, and the retry carries a new requestid QuickBooks would
 * not replay. A retry whose cause is still there is simply rejected again.
 */

/** Is every send of `row` provably over (none could still commit)? */
export function lastSendProvablyOver(
  row: Pick<LedgerRow, 'sentAt' | 'unprotectedAt'>,
  horizonMs: number,
  now = Date.now(),
): boolean {
  return [row.sentAt, row.unprotectedAt].every((at) => at === null || Date.parse(at) + horizonMs <= now);
}

/** May this rejected row be sent again now (its own sends can no longer commit)? */
export function mayRetryNow(row: LedgerRow, horizonMs: number): boolean {
  return row.error?.afterLookup !== true || lastSendProvablyOver(row, horizonMs);
}

/** rejected → planned (new requestid) for a user's `--retry-rejected`, once `mayRetryNow`. */
export function retryRejectedRow(
  client: Parameters<typeof unprotectedHorizonMs>[0],
  ledger: QboLedger,
  row: LedgerRow,
): boolean {
  if (row.state !== 'rejected' || !mayRetryNow(row, unprotectedHorizonMs(client))) return false;
  return ledger.retryRejected(row.id);
}

type Cause =
  | { kind: 'number' }
  | { kind: 'name' }
  | { kind: 'reference'; refs: Array<{ entity: string; id: string }> };

const referencedEntity: Record<string, string> = {
  CustomerRef: 'Customer',
  VendorRef: 'Vendor',
  ItemRef: 'Item',
  AccountRef: 'Account',
  APAccountRef: 'Account',
  DepositToAccountRef: 'Account',
  EmployeeRef: 'Employee',
};

/** Every `{ value }` at a dotted element path (arrays walked), e.g. `Line.SalesItemLineDetail.ItemRef`. */
function refValuesAt(payload: unknown, path: readonly string[]): string[] {
  if (Array.isArray(payload)) return payload.flatMap((item) => refValuesAt(item, path));
  if (typeof payload !== 'object' || payload === null) return [];
  const record = payload as Record<string, unknown>;
  if (path.length === 0) {
    const value = record.value;
    return typeof value === 'string' || typeof value === 'number' ? [String(value)] : [];
  }
  return refValuesAt(record[path[0]!], path.slice(1));
}

function faultsOf(row: LedgerRow): Array<{ code: string; element: string }> {
  const errors = Array.isArray(row.error?.errors) ? (row.error.errors as Array<Record<string, unknown>>) : [];
  return errors.map((e) => ({ code: String(e.code ?? ''), element: String(e.element ?? '') }));
}

/** The checkable cause a rejection names, if any. */
export function causeOf(row: LedgerRow): Cause | undefined {
  const faults = faultsOf(row);
  if (faults.length !== 1) return undefined;
  const [fault] = faults as [{ code: string; element: string }];
  if (fault.code === '6140' && 'docNumber' in row.lookup) return { kind: 'number' };
  if (fault.code === '6240' && 'displayName' in row.lookup) return { kind: 'name' };
  if (fault.code !== '2500') return undefined;
  const path = fault.element
    .replace(/\[\d+\]/g, '')
    .split('.')
    .filter(Boolean);
  const entity = referencedEntity[path[path.length - 1] ?? ''];
  const ids = [...new Set(refValuesAt(row.payload, path))];
  if (!entity || ids.length === 0) return undefined;
  return { kind: 'reference', refs: ids.map((id) => ({ entity, id })) };
}

/** Every referenced record reads back and is active (a deleted one reads as a fault: not gone). */
async function referencesUsable(
  client: QboClient,
  refs: ReadonlyArray<{ entity: string; id: string }>,
  cache: Map<string, Promise<boolean>>,
): Promise<boolean> {
  for (const { entity, id } of refs) {
    const key = `${entity}:${id}`;
    let usable = cache.get(key);
    if (!usable) {
      usable = client.read(entity, id).then(
        (record) => record.Active !== false,
        (error: unknown) => {
          if (isUnreachable(error)) throw error;
          return false;
        },
      );
      cache.set(key, usable);
    }
    if (!(await usable)) return false;
  }
  return true;
}

async function settleNumbers(client: QboClient, ledger: QboLedger, rows: readonly LedgerRow[]) {
  if (rows.length === 0) return;
  const found = await lookUpRows(client, rows, 30, lookupWatch(client, ledger));
  for (const row of rows) {
    const resolution = found.get(row.id);
    if (resolution?.kind === 'found') {
      recordCreated(client, ledger, row, { ...createdFields(resolution.entity), adopted: true });
    } else if (resolution?.kind === 'absent') {
      ledger.retryRejected(row.id);
    }
  }
}

async function settleName(client: QboClient, ledger: QboLedger, row: LedgerRow): Promise<void> {
  const holder = await resolveDuplicateName(client, row);
  if (holder.kind === 'found') {
    recordCreated(client, ledger, row, { ...createdFields(holder.entity), adopted: true });
  } else if (holder.kind === 'unseen') {
    ledger.retryRejected(row.id);
  }
}

/**
 * Rule 3 above for the rejected rows among `rows`: looks up what each rejection names and plans again (or
 * adopts) the rows whose cause is gone. Returns the ids it changed. QuickBooks unreachable: the rest stay
 * rejected until the next run; nothing is sent from here.
 */
export async function retryWhereCauseGone(
  client: QboClient,
  ledger: QboLedger,
  rows: readonly LedgerRow[],
): Promise<Set<number>> {
  const horizonMs = unprotectedHorizonMs(client);
  const checkable = rows
    .filter((row) => row.state === 'rejected' && mayRetryNow(row, horizonMs))
    .map((row) => ({ row, cause: causeOf(row) }))
    .filter((c): c is { row: LedgerRow; cause: Cause } => c.cause !== undefined);
  const changed = new Set<number>();
  if (checkable.length === 0) return changed;
  const cache = new Map<string, Promise<boolean>>();
  try {
    await settleNumbers(
      client,
      ledger,
      checkable.filter((c) => c.cause.kind === 'number').map((c) => c.row),
    );
    for (const { row, cause } of checkable) {
      if (cause.kind === 'name') await settleName(client, ledger, row);
      if (cause.kind === 'reference' && (await referencesUsable(client, cause.refs, cache))) {
        ledger.retryRejected(row.id);
      }
    }
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    client.log.warn(
      { qbo: { realm: client.realmId, error: String(error) } },
      'QuickBooks could not be reached to check whether rejected rows can be sent again; the next run checks',
    );
  }
  for (const { row } of checkable) if (ledger.get(row.id).state !== 'rejected') changed.add(row.id);
  return changed;
}
