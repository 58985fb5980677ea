import crypto from 'node:crypto';
import { linesTotalCents } from '../amounts';
import type { QboClient } from '../http/client';
import type { QboError } from '../http/errors';
import { duplicateDocNumberTarget } from '../http/fault-parse';
import { qboQuery, queryAll } from '../query';
import { noteDuplicateNumbers } from './duplicate-numbers';
import { type LedgerRow, markerOf, markerPartyField, type QboLedger } from './ledger';
import { cleanDisplayName, nameKey } from './name-key';

/**
 * Settling writes whose outcome is unknown, and deciding whether an existing QuickBooks object is ours.
 *
 * Transactions carry a marker with the ledger's requestid in `PrivateNote` (PrivateNote cannot be
 * filtered, so we find candidates by DocNumber — or by customer/vendor and date when QuickBooks numbers the
 * transaction — and then read the marker). Objects created before the marker existed, or whose marker a
 * person removed, still count as ours when they carry no qb-bridge marker at all and have our DocNumber,
 * our customer/vendor and our line total (one carrying another row's marker is that row's, never ours);
 * without a DocNumber of ours only the marker counts, since two rows for one customer on one day may well
 * have the same total. Names are unique in QuickBooks, so a name we meant to create that already exists
 * under that entity type is, by definition, the one we want.
 */

export const markerPrefix = 'qb-bridge ref ';
const keyMarkPrefix = ' key ';

export function markerFor(requestId: string): string {
  return `${markerPrefix}${requestId}`;
}

/**
 * The intent's own mark: 16 hex of a hash of the ledger key and entity. Unlike the requestid (minted per
 * ledger row, and again when a rejected row is retried) it is the same for every ledger that ever planned
 * this intent — a store restored from an older backup plans it again under the same key — so an object
 * created before the restore is still recognised as this row's. Hashed: keys carry spreadsheet ids and
 * customer ids that have no business in a QuickBooks note.
 */
export function keyMarkFor(row: Pick<LedgerRow, 'key' | 'entity'>): string {
  return crypto.createHash('sha256').update(`${row.entity}\u0000${row.key}`).digest('hex').slice(0, 16);
}

const transactionRefs: Record<string, string> = {
  Invoice: 'CustomerRef',
  Bill: 'VendorRef',
  BillPayment: 'VendorRef',
};

/**
 * The body actually sent: transactions get `qb-bridge ref <requestid> key <key mark>` appended to
 * PrivateNote (max 4000 chars). PrivateNote is the memo field of both invoices and bills (qbo-api.md §6.2,
 * §6.4); customers and vendors need no mark — their DisplayName is unique and is what finds them.
 */
export function withMarker(
  row: Pick<LedgerRow, 'entity' | 'payload' | 'requestId' | 'key'>,
): Record<string, unknown> {
  if (!(row.entity in transactionRefs)) return row.payload;
  const note = typeof row.payload.PrivateNote === 'string' ? row.payload.PrivateNote : '';
  const marker = `${markerFor(row.requestId)}${keyMarkPrefix}${keyMarkFor(row)}`;
  const combined = note === '' ? marker : `${note.slice(0, 4000 - marker.length - 1)}\n${marker}`;
  return { ...row.payload, PrivateNote: combined };
}

function refValue(entity: Record<string, unknown>, key: string): string | undefined {
  const ref = entity[key];
  if (typeof ref !== 'object' || ref === null) return undefined;
  const value = (ref as { value?: unknown }).value;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function carriesMarker(found: Record<string, unknown>, requestId: string): boolean {
  return typeof found.PrivateNote === 'string' && found.PrivateNote.includes(markerFor(requestId));
}

/** The key mark in an object's qb-bridge marker, if it carries one (objects marked before it did do not). */
function markerKey(found: Record<string, unknown>): string | undefined {
  if (typeof found.PrivateNote !== 'string') return undefined;
  const at = found.PrivateNote.lastIndexOf(markerPrefix);
  if (at < 0) return undefined;
  return /^[0-9a-f]+ key ([0-9a-f]{16})/.exec(found.PrivateNote.slice(at + markerPrefix.length))?.[1];
}

/** The requestid in an object's qb-bridge marker, if it carries one. */
function markerRequestId(found: Record<string, unknown>): string | undefined {
  if (typeof found.PrivateNote !== 'string') return undefined;
  const at = found.PrivateNote.lastIndexOf(markerPrefix);
  if (at < 0) return undefined;
  return /^[0-9a-f]+/.exec(found.PrivateNote.slice(at + markerPrefix.length))?.[0];
}

/**
 * Says whether a requestid is held by no row of our ledger: a marker naming such a requestid was written by
 * a ledger row this store no longer has (it was restored from a backup older than the object).
 */
export type OrphanCheck = (requestId: string) => boolean;

/** What a lookup is told and tells back besides its results. */
export interface LookupWatch {
  isOrphan?: OrphanCheck;
  /**
   * Two objects of `entity` hold one of our numbers (the same vendor's, for bills): QuickBooks accepted a
   * duplicate number at some point (`duplicate-numbers.ts`).
   */
  onDuplicateNumber?: (entity: LedgerRow['entity'], docNumber: string) => void;
}

/** What every lookup of the writer watches: orphaned markers after a restore, duplicate numbers seen. */
export function lookupWatch(client: Pick<QboClient, 'realmId'>, ledger: QboLedger): LookupWatch {
  return {
    isOrphan: ledger.orphanCheck(),
    onDuplicateNumber: (entity, docNumber) =>
      noteDuplicateNumbers(
        ledger.db,
        client.realmId,
        entity,
        false,
        `two ${entity} objects hold number ${docNumber}`,
      ),
  };
}

/** Is this QuickBooks object the one this ledger row intended to create? */
export function isOurs(
  row: Pick<LedgerRow, 'entity' | 'payload' | 'requestId' | 'lookup' | 'key'>,
  found: Record<string, unknown>,
  isOrphan?: OrphanCheck,
): boolean {
  const refKey = transactionRefs[row.entity];
  if (!refKey) {
    const wanted =
      'displayName' in row.lookup ? row.lookup.displayName : String(row.payload.DisplayName ?? '');
    return typeof found.DisplayName === 'string' && nameKey(found.DisplayName) === nameKey(wanted);
  }
  if (carriesMarker(found, row.requestId)) return true;
  // Our key's mark under another requestid: created for this same intent by an earlier incarnation of the
  // row — a ledger restored from a backup older than the object, or a send before a retry re-minted it.
  if (markerKey(found) === keyMarkFor(row)) return true;
  // Another row's marker proves it was created for that row: adopting it too would make two intents share
  // one object and silently lose the second — unless no row of ours holds that requestid any more (a
  // restored store), when it is judged like an object without a marker.
  const other = markerRequestId(found);
  if (other !== undefined && !(isOrphan?.(other) ?? false)) return false;
  // Same party and total is only evidence when our own DocNumber already narrowed the candidates.
  if ('marker' in row.lookup) return false;
  const sameParty =
    refValue(found, refKey) !== undefined && refValue(found, refKey) === refValue(row.payload, refKey);
  return sameParty && linesTotalCents(found.Line) === linesTotalCents(row.payload.Line);
}

export type Resolution =
  | { kind: 'found'; entity: Record<string, unknown> }
  | { kind: 'absent' }
  /** Our lookup value is used by someone else's object: creating would be refused (6140) or duplicate. */
  | { kind: 'taken'; entity: Record<string, unknown> };

/** Statements travel in the URL: besides the count, keep each `IN (…)` list to about 2,000 characters. */
function chunkWithin<T>(
  values: readonly T[],
  maxCount: number,
  size: (value: T) => number,
  maxChars = 2_000,
): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let chars = 0;
  for (const value of values) {
    const cost = size(value);
    if (current.length > 0 && (current.length >= maxCount || chars + cost > maxChars)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(value);
    chars += cost;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function lookupValue(row: LedgerRow): string {
  if ('docNumber' in row.lookup) return row.lookup.docNumber;
  if ('displayName' in row.lookup) return row.lookup.displayName;
  throw new Error(`Ledger row ${row.id} is looked up by marker, not by a value`);
}

function groupBy<T>(values: readonly T[], keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

/**
 * Rows without a DocNumber of ours: per entity and TxnDate, one paged query per chunk of customers/vendors
 * (`CustomerRef IN (…) and TxnDate = …`), then each row takes the candidate carrying its own marker. A bulk
 * run usually shares one date, so a whole unknown batch costs one or two queries; not found → absent.
 */
async function lookUpByMarker(
  client: QboClient,
  rows: readonly LedgerRow[],
  chunkSize: number,
  result: Map<number, Resolution>,
  isOrphan?: OrphanCheck,
): Promise<void> {
  const marked = rows.map((row) => ({ row, marker: markerOf(row.lookup)! }));
  for (const group of groupBy(marked, (m) => `${m.row.entity}\u0000${m.marker.txnDate}`).values()) {
    const entity = group[0]!.row.entity as keyof typeof markerPartyField;
    const field = markerPartyField[entity];
    const txnDate = group[0]!.marker.txnDate;
    const byParty = groupBy(group, (m) => m.marker.partyRef);
    for (const parties of chunkWithin([...byParty.keys()], chunkSize, (party) => party.length + 6)) {
      const where =
        parties.length === 1
          ? qboQuery(`${field} = ? and TxnDate = ?`, [parties[0]!, txnDate])
          : qboQuery(`${field} IN ? and TxnDate = ?`, [parties, txnDate]);
      const candidates = await queryAll(client, entity, where);
      for (const party of parties) {
        for (const { row } of byParty.get(party) ?? []) {
          const ours = candidates.find((c) => isOurs(row, c, isOrphan));
          result.set(row.id, ours ? { kind: 'found', entity: ours } : { kind: 'absent' });
        }
      }
    }
  }
}

/**
 * Looks every row up in QuickBooks — DocNumber for transactions, DisplayName (inactive included) for names —
 * with one `IN (…)` query per entity type and chunk, so settling a whole unknown batch costs a few calls.
 * Transactions QuickBooks numbers itself are found by party, date and marker (`lookUpByMarker`).
 */
export async function lookUpRows(
  client: QboClient,
  rows: readonly LedgerRow[],
  chunkSize = 30,
  watch: LookupWatch = {},
): Promise<Map<number, Resolution>> {
  const { isOrphan } = watch;
  const result = new Map<number, Resolution>();
  await lookUpByMarker(
    client,
    rows.filter((row) => 'marker' in row.lookup),
    chunkSize,
    result,
    isOrphan,
  );
  const byEntity = groupBy(
    rows.filter((row) => !('marker' in row.lookup)),
    (row) => row.entity,
  );
  for (const [entity, group] of byEntity) {
    const isTxn = entity in transactionRefs;
    for (const part of chunkWithin(group, chunkSize, (row) => lookupValue(row).length + 6)) {
      const values = [...new Set(part.map(lookupValue))];
      const where = isTxn
        ? qboQuery('DocNumber IN ?', [values])
        : qboQuery('Active IN (true, false) and DisplayName IN ?', [values]);
      // Every page: bill numbers are the vendors' own and repeat across vendors, so thirty numbers can match
      // hundreds of bills, and a row missing from a truncated first page would read as absent and be resent.
      const found = await queryAll(client, entity, where);
      for (const row of part) {
        const key = isTxn ? lookupValue(row) : nameKey(lookupValue(row));
        const candidates = found.filter((f) =>
          isTxn
            ? String(f.DocNumber ?? '') === key
            : typeof f.DisplayName === 'string' && nameKey(f.DisplayName) === key,
        );
        if (isTxn) noteSharedNumber(row, candidates, watch);
        const ours = candidates.find((c) => isOurs(row, c, isOrphan));
        if (ours) result.set(row.id, { kind: 'found', entity: ours });
        else {
          // Bill numbers are the vendor's own and may repeat across vendors: only the same vendor's bill clashes.
          const clash = candidates.find(
            (c) => entity !== 'Bill' || refValue(c, 'VendorRef') === refValue(row.payload, 'VendorRef'),
          );
          result.set(row.id, isTxn && clash ? { kind: 'taken', entity: clash } : { kind: 'absent' });
        }
      }
    }
  }
  return result;
}

/** Reports two of one entity holding this row's number (for a bill: two of the row's own vendor). */
function noteSharedNumber(
  row: LedgerRow,
  candidates: readonly Record<string, unknown>[],
  watch: LookupWatch,
): void {
  const vendor = refValue(row.payload, 'VendorRef');
  const sameScope = candidates.filter((c) => row.entity !== 'Bill' || refValue(c, 'VendorRef') === vendor);
  if (sameScope.length > 1) watch.onDuplicateNumber?.(row.entity, lookupValue(row));
}

/**
 * A 6140 (duplicate DocNumber) on our create: read the transaction QuickBooks names in the Detail and adopt
 * it when it is ours (a resend of something that did commit); otherwise it is a genuine clash.
 */
export async function resolveDuplicateDocNumber(
  client: QboClient,
  row: LedgerRow,
  error: Pick<QboError, 'errors'>,
  isOrphan?: OrphanCheck,
): Promise<Resolution> {
  const fault = error.errors.find((e) => e.code === '6140');
  const target = fault ? duplicateDocNumberTarget(fault.detail) : undefined;
  if (!target) {
    const looked = await lookUpRows(client, [row], 30, { isOrphan });
    return looked.get(row.id) ?? { kind: 'absent' };
  }
  const entity = await client.read(target.txnType ?? row.entity, target.txnId);
  return isOurs(row, entity, isOrphan) ? { kind: 'found', entity } : { kind: 'taken', entity };
}

export type PersonEntity = 'Customer' | 'Vendor' | 'Employee';

/** Apostrophes and quotation marks, straight and typographic: a stored name may carry either form. */
const quoteChar = /['"\u2018\u2019\u201A\u201B\u2032\u201C\u201D\u201E\u201F\u2033`]/;
const quoteChars = new RegExp(quoteChar.source, 'g');

/**
 * Every record of one name list whose DisplayName matches (case, spacing, quote style ignored), inactive
 * included. A query literal cannot carry a typographic quote (QuickBooks' parser rejects it, so literals
 * are straightened), which would never find a stored "O’Brien": a name with any quote is also searched
 * with `LIKE`, each quote a `%`, and the candidates compared here.
 */
export async function findByDisplayName(
  client: QboClient,
  entity: PersonEntity,
  displayName: string,
): Promise<Record<string, unknown>[]> {
  // As sent and as QuickBooks may have stored it (spaces collapsed): the query compares spacing literally.
  const forms = [...new Set([displayName, cleanDisplayName(displayName)])];
  const rows = await queryAll(
    client,
    entity,
    qboQuery('Active IN (true, false) and DisplayName IN ?', [forms]),
  );
  if (quoteChar.test(displayName)) {
    const pattern = cleanDisplayName(displayName).replace(quoteChars, '%');
    const seen = new Set(rows.map((r) => String(r.Id)));
    const similar = await queryAll(
      client,
      entity,
      qboQuery('Active IN (true, false) and DisplayName LIKE ?', [pattern]),
    );
    rows.push(...similar.filter((r) => !seen.has(String(r.Id))));
  }
  const key = nameKey(displayName);
  return rows.filter((r) => typeof r.DisplayName === 'string' && nameKey(r.DisplayName) === key);
}

/**
 * Many names of one list at once: one `DisplayName IN (…)` query per chunk instead of a query per name, keyed
 * by `nameKey`. Names holding a quote character are left out (their stored form may differ in quote style,
 * which only `findByDisplayName`'s LIKE finds): a caller looks those up one by one.
 */
export async function findManyByDisplayName(
  client: QboClient,
  entity: PersonEntity,
  displayNames: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const plain = [...new Set(displayNames.filter((n) => !quoteChar.test(n)))];
  const wanted = new Set(plain.map(nameKey));
  const found = new Map<string, Record<string, unknown>>();
  const forms = [...new Set(plain.flatMap((n) => [n, cleanDisplayName(n)]))];
  for (const part of chunkWithin(forms, 30, (form) => form.length + 6)) {
    const rows = await queryAll(
      client,
      entity,
      qboQuery('Active IN (true, false) and DisplayName IN ?', [part]),
    );
    for (const row of rows) {
      if (typeof row.DisplayName !== 'string') continue;
      const key = nameKey(row.DisplayName);
      if (wanted.has(key) && !found.has(key)) found.set(key, row);
    }
  }
  return found;
}

/** Who holds a name QuickBooks refused with 6240. */
export type NameHolder =
  /** Our own list holds it and it is ours (names are unique: the one we meant to create). */
  | { kind: 'found'; entity: Record<string, unknown> }
  /** Our own list holds it, but inactive: adopting it would attach new transactions to a hidden record. */
  | { kind: 'inactive'; entity: Record<string, unknown> }
  /** Another list (customers, vendors, employees share one name space) holds it. */
  | { kind: 'other'; holder: PersonEntity; entity: Record<string, unknown> }
  /** QuickBooks says the name is used, but no list we can read shows it. */
  | { kind: 'unseen' };

/**
 * A 6240 (duplicate name) on our Customer/Vendor create: the same name twice in a run, or our own earlier
 * create whose answer was lost under another key, is the record we want; any other holder is a clash the
 * user has to resolve, and the caller says which list holds it.
 */
export async function resolveDuplicateName(
  client: QboClient,
  row: Pick<LedgerRow, 'entity' | 'payload' | 'requestId' | 'lookup' | 'key'>,
): Promise<NameHolder> {
  const name = 'displayName' in row.lookup ? row.lookup.displayName : String(row.payload.DisplayName ?? '');
  const own = row.entity as PersonEntity;
  const ours = (await findByDisplayName(client, own, name)).find((c) => isOurs(row, c));
  if (ours?.Active === false) return { kind: 'inactive', entity: ours };
  if (ours) return { kind: 'found', entity: ours };
  const others: PersonEntity[] = own === 'Customer' ? ['Vendor', 'Employee'] : ['Customer', 'Employee'];
  for (const holder of others) {
    const [entity] = await findByDisplayName(client, holder, name);
    if (entity) return { kind: 'other', holder, entity };
  }
  return { kind: 'unseen' };
}

export function createdFields(entity: Record<string, unknown>): { qboId: string; syncToken: string | null } {
  return {
    qboId: String(entity.Id ?? ''),
    syncToken: entity.SyncToken === undefined ? null : String(entity.SyncToken),
  };
}
