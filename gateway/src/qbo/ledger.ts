import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Db } from '../store/database';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The exactly-once ledger (design.md "Writing to QuickBooks exactly once"). One row per object a flow
 * intends to create, keyed by the flow's natural key:
 *
 *   planned ──send──▶ sent ──2xx──▶ created            (final)
 *                       ├─validation fault──▶ rejected (final until the payload changes)
 *                       └─timeout/5xx/drop──▶ unknown ──lookup──▶ created | planned
 *
 * Rules this file enforces:
 * - The requestid is minted when the row is first planned and stored before anything is sent; every resend
 *   of the same intent reuses it (QBO replays the original answer for a repeated requestid).
 * - `sent` is written BEFORE the HTTP call. A crash anywhere therefore leaves `planned` (never sent: safe
 *   to send), `sent`/`unknown` (maybe sent: look up first) or a final state — never a silent resend.
 * - `plan()` is idempotent for the same key. A rejected row whose payload changed is re-planned with a NEW
 *   requestid (the old one would replay the old rejection). A payload change on a row that may be in
 *   flight (sent/unknown) waits until the lookup settled it.
 *
 * Flows use the writer (`write-once.ts` for one object, `batch.ts` for many), not these transitions.
 */

export type LedgerState = 'planned' | 'sent' | 'created' | 'rejected' | 'unknown';
export type LedgerEntity = 'Invoice' | 'Bill' | 'Customer' | 'Vendor';
/**
 * How the writer finds the object again when an outcome is unknown (qbo-api.md §4.3 point 2):
 * - `docNumber`: a transaction carrying our own number (DocNumber is filterable);
 * - `displayName`: a Customer/Vendor (names are unique, inactive ones included);
 * - `marker`: a transaction QuickBooks numbers itself or that has no number (a Bill without the vendor's
 *   number). Candidates are queried by the party (CustomerRef for an Invoice, VendorRef for a Bill) and
 *   TxnDate, then matched only by the `qb-bridge ref <requestid>` marker the writer puts in PrivateNote.
 *   The payload must carry the same party and TxnDate: without a TxnDate QuickBooks dates it "today" in
 *   the company's time zone, which the lookup could not predict.
 */
export type MarkerLookup =
  | { marker: { customerRef: string; txnDate: string } }
  | { marker: { vendorRef: string; txnDate: string } };
export type LedgerLookup = { docNumber: string } | { displayName: string } | MarkerLookup;

export interface PlanInput {
  /** The flow's natural key, e.g. `sheets:<spreadsheet>:<row>`, `mis:invoice:<id>`, `zimbra:<customer>:<YYYY-MM>`. */
  key: string;
  entity: LedgerEntity;
  realm: string;
  payload: Record<string, unknown>;
  /** How to find the object in QuickBooks when an outcome is unknown. */
  lookup: LedgerLookup;
}

export interface LedgerRow {
  id: number;
  realm: string;
  key: string;
  entity: LedgerEntity;
  requestId: string;
  payloadHash: string;
  payload: Record<string, unknown>;
  lookup: LedgerLookup;
  state: LedgerState;
  qboId: string | null;
  syncToken: string | null;
  adopted: boolean;
  error: Record<string, unknown> | null;
  intuitTid: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

interface Row {
  id: number;
  realm_id: string;
  flow_key: string;
  entity: LedgerEntity;
  request_id: string;
  payload_hash: string;
  payload: string;
  lookup_doc_number: string | null;
  lookup_display_name: string | null;
  lookup_party_ref: string | null;
  lookup_txn_date: string | null;
  state: LedgerState;
  qbo_id: string | null;
  sync_token: string | null;
  adopted: number;
  error: string | null;
  intuit_tid: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

function fromRow(row: Row): LedgerRow {
  return {
    id: row.id,
    realm: row.realm_id,
    key: row.flow_key,
    entity: row.entity,
    requestId: row.request_id,
    payloadHash: row.payload_hash,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    lookup: lookupFromColumns(row.entity, {
      doc: row.lookup_doc_number,
      name: row.lookup_display_name,
      partyRef: row.lookup_party_ref,
      txnDate: row.lookup_txn_date,
    }),
    state: row.state,
    qboId: row.qbo_id,
    syncToken: row.sync_token,
    adopted: row.adopted === 1,
    error: row.error === null ? null : (JSON.parse(row.error) as Record<string, unknown>),
    intuitTid: row.intuit_tid,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
  };
}

/** 32 hex characters: fits the 50-char single and the 36-char batch requestid limits. */
export function mintRequestId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Hash of the payload with keys sorted, so the same content always hashes the same. */
export function payloadHash(payload: Record<string, unknown>): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(canonical(payload)))
    .digest('hex');
}

interface LookupColumns {
  doc: string | null;
  name: string | null;
  partyRef: string | null;
  txnDate: string | null;
}

/** The reference field a marker lookup queries: the customer of an invoice, the vendor of a bill. */
export const markerPartyField = { Invoice: 'CustomerRef', Bill: 'VendorRef' } as const;

function refValueOf(payload: Record<string, unknown>, field: string): string | undefined {
  const ref = payload[field];
  if (typeof ref !== 'object' || ref === null) return undefined;
  const value = (ref as { value?: unknown }).value;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The party and date of a marker lookup, whichever side (customer or vendor) it names. */
export function markerOf(lookup: LedgerLookup): { partyRef: string; txnDate: string } | undefined {
  if (!('marker' in lookup)) return undefined;
  const m = lookup.marker;
  return { partyRef: 'customerRef' in m ? m.customerRef : m.vendorRef, txnDate: m.txnDate };
}

function markerColumns(entity: LedgerEntity, payload: Record<string, unknown>, lookup: MarkerLookup) {
  if (entity !== 'Invoice' && entity !== 'Bill') {
    throw new Error(`A marker lookup only works for invoices and bills, not ${entity}; use { displayName }`);
  }
  const side = entity === 'Invoice' ? 'customerRef' : 'vendorRef';
  const partyRef: unknown = (lookup.marker as Record<string, unknown>)[side];
  if (typeof partyRef !== 'string') {
    throw new Error(
      `A marker lookup for ${entity === 'Invoice' ? 'an invoice' : 'a bill'} needs { ${side} }`,
    );
  }
  const txnDate = lookup.marker.txnDate;
  if (partyRef.trim() === '') throw new Error(`A marker lookup ${side} cannot be empty`);
  const parsed = new Date(`${txnDate}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(txnDate) ||
    Number.isNaN(parsed.getTime()) ||
    parsed.toISOString().slice(0, 10) !== txnDate
  ) {
    throw new Error(`A marker lookup txnDate must be a date as YYYY-MM-DD, got "${txnDate}"`);
  }
  // The lookup queries by what the payload says; a mismatch would look in the wrong place and resend.
  const field = markerPartyField[entity];
  if (refValueOf(payload, field) !== partyRef) {
    throw new Error(`The payload's ${field} must be ${partyRef}, the ${side} its marker lookup names`);
  }
  if (payload.TxnDate !== txnDate) {
    throw new Error(
      `The payload's TxnDate must be ${txnDate}, the date its marker lookup names (QuickBooks would date it itself)`,
    );
  }
  return { partyRef, txnDate };
}

function lookupColumns(
  entity: LedgerEntity,
  payload: Record<string, unknown>,
  lookup: LedgerLookup,
): LookupColumns {
  if ('docNumber' in lookup) {
    if (lookup.docNumber.trim() === '') throw new Error('A ledger lookup DocNumber cannot be empty');
    return { doc: lookup.docNumber, name: null, partyRef: null, txnDate: null };
  }
  if ('displayName' in lookup) {
    if (lookup.displayName.trim() === '') throw new Error('A ledger lookup DisplayName cannot be empty');
    return { doc: null, name: lookup.displayName, partyRef: null, txnDate: null };
  }
  return { doc: null, name: null, ...markerColumns(entity, payload, lookup) };
}

function lookupFromColumns(entity: LedgerEntity, columns: LookupColumns): LedgerLookup {
  if (columns.doc !== null) return { docNumber: columns.doc };
  if (columns.partyRef !== null && columns.txnDate !== null) {
    return entity === 'Bill'
      ? { marker: { vendorRef: columns.partyRef, txnDate: columns.txnDate } }
      : { marker: { customerRef: columns.partyRef, txnDate: columns.txnDate } };
  }
  return { displayName: columns.name ?? '' };
}

export class QboLedger {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  /** Statements are prepared once per ledger: preparing dominated the cost of a 3,000-row run. */
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs several transitions as one atomic commit (a batch's answers land together or not at all). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  private now(): string {
    return new Date().toISOString();
  }

  get(id: number): LedgerRow {
    const row = this.sql('SELECT * FROM qbo_ledger WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new Error(`Ledger row ${id} does not exist`);
    return fromRow(row);
  }

  find(realm: string, key: string, entity: LedgerEntity): LedgerRow | undefined {
    const row = this.sql('SELECT * FROM qbo_ledger WHERE realm_id = ? AND flow_key = ? AND entity = ?').get(
      realm,
      key,
      entity,
    ) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Rows a crashed or interrupted run left behind (not final), oldest first. */
  unfinished(realm: string): LedgerRow[] {
    const rows = this.sql(
      "SELECT * FROM qbo_ledger WHERE realm_id = ? AND state IN ('planned', 'sent', 'unknown') ORDER BY id",
    ).all(realm) as Row[];
    return rows.map(fromRow);
  }

  countByState(realm: string): Record<LedgerState, number> {
    const counts: Record<LedgerState, number> = { planned: 0, sent: 0, created: 0, rejected: 0, unknown: 0 };
    const rows = this.sql(
      'SELECT state, COUNT(*) AS n FROM qbo_ledger WHERE realm_id = ? GROUP BY state',
    ).all(realm) as Array<{ state: LedgerState; n: number }>;
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  /** Creates the row, or returns the existing one (re-planning a rejected row whose payload changed). */
  plan(input: PlanInput): LedgerRow {
    const hash = payloadHash(input.payload);
    const columns = lookupColumns(input.entity, input.payload, input.lookup);
    return this.db.transaction(() => {
      const existing = this.find(input.realm, input.key, input.entity);
      const now = this.now();
      if (!existing) {
        const requestId = mintRequestId();
        const info = this.sql(
          `INSERT INTO qbo_ledger (realm_id, flow_key, entity, request_id, payload_hash, payload, lookup_doc_number,
               lookup_display_name, lookup_party_ref, lookup_txn_date, state, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?)`,
        ).run(
          input.realm,
          input.key,
          input.entity,
          requestId,
          hash,
          JSON.stringify(input.payload),
          columns.doc,
          columns.name,
          columns.partyRef,
          columns.txnDate,
          now,
          now,
        );
        // Built from what was just written rather than read back: planning thousands of rows is on the hot path.
        const row: LedgerRow = {
          id: Number(info.lastInsertRowid),
          realm: input.realm,
          key: input.key,
          entity: input.entity,
          requestId,
          payloadHash: hash,
          payload: input.payload,
          lookup: lookupFromColumns(input.entity, columns),
          state: 'planned',
          qboId: null,
          syncToken: null,
          adopted: false,
          error: null,
          intuitTid: null,
          attempts: 0,
          createdAt: now,
          updatedAt: now,
          sentAt: null,
        };
        return row;
      }
      if (existing.payloadHash === hash) return existing;
      if (existing.state === 'rejected') {
        this.sql(
          `UPDATE qbo_ledger SET state = 'planned', request_id = ?, payload_hash = ?, payload = ?, lookup_doc_number = ?,
               lookup_display_name = ?, lookup_party_ref = ?, lookup_txn_date = ?, error = NULL, updated_at = ?
             WHERE id = ?`,
        ).run(
          mintRequestId(),
          hash,
          JSON.stringify(input.payload),
          columns.doc,
          columns.name,
          columns.partyRef,
          columns.txnDate,
          now,
          existing.id,
        );
        return this.get(existing.id);
      }
      if (existing.state === 'planned') return this.replacePayload(existing.id, input);
      // created: the object exists (changing it is an update, not a create); sent/unknown: settle first.
      return existing;
    })();
  }

  /** `plan` for many intents in one commit (a bulk run plans thousands of rows). */
  planMany(inputs: readonly PlanInput[]): LedgerRow[] {
    return this.transaction(() => inputs.map((input) => this.plan(input)));
  }

  /**
   * A planned row takes a newer payload, keeping its requestid: if an earlier attempt did commit despite a
   * lookup that missed it, QuickBooks replays that creation instead of making a second object.
   */
  replacePayload(id: number, input: Pick<PlanInput, 'entity' | 'payload' | 'lookup'>): LedgerRow {
    const columns = lookupColumns(input.entity, input.payload, input.lookup);
    this.sql(
      `UPDATE qbo_ledger SET payload_hash = ?, payload = ?, lookup_doc_number = ?, lookup_display_name = ?,
           lookup_party_ref = ?, lookup_txn_date = ?, updated_at = ?
         WHERE id = ? AND state = 'planned'`,
    ).run(
      payloadHash(input.payload),
      JSON.stringify(input.payload),
      columns.doc,
      columns.name,
      columns.partyRef,
      columns.txnDate,
      this.now(),
      id,
    );
    return this.get(id);
  }

  /** planned → sent, written before the request leaves; counts the attempt. */
  markSent(ids: readonly number[]): void {
    const now = this.now();
    const stmt = this.sql(
      "UPDATE qbo_ledger SET state = 'sent', attempts = attempts + 1, sent_at = ?, updated_at = ? WHERE id = ? AND state = 'planned'",
    );
    this.db.transaction(() => {
      for (const id of ids) {
        if (stmt.run(now, now, id).changes !== 1)
          throw new Error(`Ledger row ${id} is not planned; refusing to send it`);
      }
    })();
  }

  markCreated(
    id: number,
    result: { qboId: string; syncToken?: string | null; intuitTid?: string | null; adopted?: boolean },
  ): void {
    this.sql(
      `UPDATE qbo_ledger SET state = 'created', qbo_id = ?, sync_token = ?, intuit_tid = COALESCE(?, intuit_tid),
           adopted = ?, error = NULL, updated_at = ? WHERE id = ?`,
    ).run(
      result.qboId,
      result.syncToken ?? null,
      result.intuitTid ?? null,
      result.adopted ? 1 : 0,
      this.now(),
      id,
    );
  }

  markRejected(id: number, error: Record<string, unknown>, intuitTid?: string | null): void {
    this.sql(
      `UPDATE qbo_ledger SET state = 'rejected', error = ?, intuit_tid = COALESCE(?, intuit_tid), updated_at = ?
         WHERE id = ?`,
    ).run(JSON.stringify(error), intuitTid ?? null, this.now(), id);
  }

  markUnknown(ids: readonly number[], error: Record<string, unknown>): void {
    const stmt = this.sql(
      "UPDATE qbo_ledger SET state = 'unknown', error = ?, updated_at = ? WHERE id = ? AND state IN ('sent', 'unknown')",
    );
    const now = this.now();
    const text = JSON.stringify(error);
    this.db.transaction(() => {
      for (const id of ids) stmt.run(text, now, id);
    })();
  }

  /**
   * Back to planned: either QuickBooks answered in a way that proves nothing was created (a per-item fault,
   * a 401/429 before processing) or the lookup found nothing. The requestid is kept.
   */
  markPlanned(ids: readonly number[], error?: Record<string, unknown>): void {
    const stmt = this.sql(
      "UPDATE qbo_ledger SET state = 'planned', error = ?, updated_at = ? WHERE id = ? AND state IN ('sent', 'unknown')",
    );
    const now = this.now();
    const text = error ? JSON.stringify(error) : null;
    this.db.transaction(() => {
      for (const id of ids) stmt.run(text, now, id);
    })();
  }
}
