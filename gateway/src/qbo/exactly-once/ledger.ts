import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Db } from '../../store/database';
import { getMeta, setMeta } from '../../store/meta';
import { type LedgerEntity, type LedgerLookup, lookupColumns, lookupFromColumns } from './ledger-lookup';

export type { LedgerEntity, LedgerLookup, MarkerLookup } from './ledger-lookup';
export { markerOf, markerPartyField } from './ledger-lookup';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The exactly-once ledger (design.md "Writing to QuickBooks exactly once"). One row per object a flow
 * intends to create, keyed by the flow's natural key:
 *
 *   planned ──claim at slot grant (fence)──▶ sent ──answer──▶ created                 (final)
 *      ▲  ▲                                   │ ├─validation fault──▶ rejected       (final until the payload
 *      │  │                                   │ │                       changes, its cause is gone, or
 *      │  │                                   │ │                       --retry-rejected: rejected-retry.ts)
 *      │  └──refused unprocessed (429 item, 413, 401/403)──┘
 *      │                                      └─timeout / 5xx / dropped / lease lapsed──▶ unknown
 *      └──── lookup found nothing, begun after the last batch send was provably over ◀──┘ │
 *                                       lookup found it ──▶ created;  6140 holder unreadable ──▶ unknown
 *   restore --from: every row not final ──▶ unknown (and rows planned afterwards start unknown)
 *
 * Rules this file enforces:
 * - The requestid is minted when the row is first planned and stored before anything is sent; every resend
 *   of the same intent reuses it (QBO replays the original answer for a repeated requestid).
 * - `sent` is written when the limiter grants the request its slot, right before it leaves (`claim`, the
 *   fence): only if the row is still planned at the attempt count, payload hash and requestid the request
 *   was built from. A writer paused while it waited, a takeover or a re-plan since makes the claim fail and
 *   nothing is sent; so the payload sent is the payload recorded. A crash anywhere leaves `planned` (never
 *   sent, or provably absent: safe to send), `sent`/`unknown` (maybe sent: look up first) or a final state.
 * - A `sent` row belongs to its sender (`sent_by`, one id per writer run) while its request may still be on
 *   its way: the sender renews `sent_at` while it waits, and another run may take the row over (sent →
 *   unknown, then look it up) only once `sent_at` is older than the lease — the client's timeout plus a
 *   margin. Until then the row is reported pending.
 * - A batch send carries no requestid: `unprotected_at` records it, and unknown → planned needs a lookup that
 *   began after unprotected_at + the horizon (our timeout + Intuit's 120 s + the visibility margin): query
 *   results lag commits and a create may commit after its connection dropped.
 * - Every transition that depends on what a run saw earlier is a compare-and-swap: claiming checks attempt,
 *   payload hash and requestid; taking over checks the sender, attempt count and send time it judged
 *   stale; unknown → planned checks the attempt count the lookup ran against. Two runs cannot both win.
 * - `created` is never overwritten: a second, different QuickBooks id for a created row is kept in the
 *   row's error as a detected duplicate for an operator to void, and the first id stays.
 * - `plan()` is idempotent for the same key. A rejected row whose payload changed is re-planned with a NEW
 *   requestid (the old one would replay the old rejection). A payload change on a row that may be in
 *   flight (sent/unknown) waits until the lookup settled it.
 * - Every transaction is IMMEDIATE: a second process waits for the write lock (busy_timeout) rather than
 *   failing with "database is locked" when its read snapshot cannot become a write.
 *
 * Flows use the writer (`write-once.ts` for one object, `batch.ts` for many), not these transitions.
 */

export type LedgerState = 'planned' | 'sent' | 'created' | 'rejected' | 'unknown';

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
  /** The writer run that last sent the row (`mintSenderId`); null before the first send. */
  sentBy: string | null;
  /** When the row was last sent without a requestid (a /batch item, or a restore's unknown past); else null. */
  unprotectedAt: string | null;
}

/** What `markCreated` did; `duplicate` means QuickBooks now holds two objects for one row. */
export type CreatedResult =
  | { kind: 'created'; fromRejected: boolean }
  | { kind: 'same' }
  | { kind: 'duplicate'; keptId: string; duplicateId: string };

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
  sent_by: string | null;
  unprotected_at: string | null;
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
    sentBy: row.sent_by,
    unprotectedAt: row.unprotected_at,
  };
}

/** One id per writer run (process id + random): the owner recorded on the rows it sends. */
export function mintSenderId(): string {
  return `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
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

const restoredMetaKey = 'qbo.ledger.restored_at';
/** How long after a restore newly planned rows are looked up before their first send. */
export const restoreWindowDays = 62;

function restoredMessage(at: string): string {
  return `The store was restored from a backup at ${at}; QuickBooks may already hold this object, so it is looked up before anything is sent`;
}

export class QboLedger {
  private readonly statements = new Map<string, Statement>();

  /** The store the ledger lives in (per-company facts such as `duplicate-numbers.ts` keep theirs beside it). */
  constructor(readonly db: Db) {}

  /** Statements are prepared once per ledger: preparing dominated the cost of a 3,000-row run. */
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs several transitions as one atomic commit (a batch's answers land together or not at all). IMMEDIATE:
   * the write lock is taken at BEGIN, so a second writer waits (busy_timeout) instead of failing with
   * "database is locked" when a deferred read transaction tries to become a write one.
   */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
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
    return this.transaction(() => this.planInTransaction(input, this.restoredAt()));
  }

  /**
   * `plan` for many intents in one commit (a bulk run plans thousands of rows). Each row is planned inside
   * the one transaction directly: a nested transaction per row would add a SAVEPOINT each, CPU that blocks
   * the event loop while the batches of the run wait for it.
   */
  planMany(inputs: readonly PlanInput[]): LedgerRow[] {
    return this.transaction(() => {
      const restored = this.restoredAt();
      return inputs.map((input) => this.planInTransaction(input, restored));
    });
  }

  /**
   * When the store was last restored from a backup, if within the last `restoreWindowDays`: QuickBooks may
   * hold objects created after the backup that the ledger no longer knows, so new rows start unknown.
   */
  restoredAt(now = Date.now()): string | undefined {
    const at = getMeta(this.db, restoredMetaKey);
    if (at === undefined) return undefined;
    return now - Date.parse(at) < restoreWindowDays * 86_400_000 ? at : undefined;
  }

  /**
   * After a restore, a marker naming a requestid no row holds was written by a row the backup predates
   * (resolve.ts `isOurs` then judges the object by number, party and total); without a restore there is
   * no such thing, and every foreign marker is another row's.
   */
  orphanCheck(): ((requestId: string) => boolean) | undefined {
    if (this.restoredAt() === undefined) return undefined;
    const stmt = this.sql('SELECT 1 FROM qbo_ledger WHERE request_id = ?');
    return (requestId) => stmt.get(requestId) === undefined;
  }

  /**
   * After `qb-bridge restore`: the ledger may be older than QuickBooks. Every row not final becomes
   * unknown (looked up before anything is sent, as if sent without a requestid at the moment of the
   * restore), and rows planned from now on for `restoreWindowDays` start unknown too. Returns the rows
   * marked.
   */
  markRestored(now = new Date()): number {
    const at = now.toISOString();
    return this.transaction(() => {
      setMeta(this.db, restoredMetaKey, at);
      const error = JSON.stringify({ message: restoredMessage(at) });
      return this.sql(
        `UPDATE qbo_ledger SET state = 'unknown', unprotected_at = ?, error = ?, updated_at = ?
           WHERE state IN ('planned', 'sent', 'unknown')`,
      ).run(at, error, at).changes;
    });
  }

  /** The body of `plan`; the caller holds the transaction that makes find-then-insert atomic. */
  private planInTransaction(input: PlanInput, restoredAt: string | undefined): LedgerRow {
    const hash = payloadHash(input.payload);
    const columns = lookupColumns(input.entity, input.payload, input.lookup);
    const existing = this.find(input.realm, input.key, input.entity);
    const now = this.now();
    if (!existing) {
      const requestId = mintRequestId();
      // After a restore, QuickBooks may already hold this object (created after the backup was taken).
      const state: LedgerState = restoredAt === undefined ? 'planned' : 'unknown';
      const error = restoredAt === undefined ? null : { message: restoredMessage(restoredAt) };
      const info = this.sql(
        `INSERT INTO qbo_ledger (realm_id, flow_key, entity, request_id, payload_hash, payload, lookup_doc_number,
               lookup_display_name, lookup_party_ref, lookup_txn_date, state, created_at, updated_at,
               unprotected_at, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        state,
        now,
        now,
        restoredAt ?? null,
        error === null ? null : JSON.stringify(error),
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
        state,
        qboId: null,
        syncToken: null,
        adopted: false,
        error,
        intuitTid: null,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
        sentAt: null,
        sentBy: null,
        unprotectedAt: restoredAt ?? null,
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

  /**
   * planned → sent for `sender`, counting the attempt, without the fence's checks. The writers use `claim`
   * (at slot grant, attempt and payload hash checked); this stays for tools and tests that put a row in
   * the state a crashed sender leaves. Returns the ids it moved.
   */
  markSent(ids: readonly number[], sender: string): number[] {
    const now = this.now();
    const stmt = this.sql(
      `UPDATE qbo_ledger SET state = 'sent', sent_by = ?, attempts = attempts + 1, sent_at = ?, updated_at = ?
         WHERE id = ? AND state = 'planned'`,
    );
    return this.transaction(() => ids.filter((id) => stmt.run(sender, now, now, id).changes === 1));
  }

  /**
   * The fence, checked when the limiter grants the slot, right before the request leaves: every row must
   * still be exactly what the request was built from — planned at attempt `attempts` with payload hash
   * `payloadHash` and requestid `requestId` (then it becomes sent by `sender`, attempt + 1) — or, when the
   * client repeats the same call (after a 401 refresh or a 429 pause), already sent by `sender` at that next
   * attempt (then its lease is renewed). All rows or none, in one IMMEDIATE transaction; false = someone
   * else planned, claimed, took over or settled a row since: the request must not leave. `unprotected` (a
   * /batch call, no requestid) stamps `unprotected_at`.
   */
  claim(
    rows: ReadonlyArray<Pick<LedgerRow, 'id' | 'attempts' | 'payloadHash' | 'requestId'>>,
    sender: string,
    unprotected: boolean,
  ): boolean {
    const now = this.now();
    const first = this.sql(
      `UPDATE qbo_ledger SET state = 'sent', sent_by = ?, attempts = attempts + 1, sent_at = ?, updated_at = ?,
           unprotected_at = CASE WHEN ? = 1 THEN ? ELSE unprotected_at END
         WHERE id = ? AND state = 'planned' AND attempts = ? AND payload_hash = ? AND request_id = ?`,
    );
    const again = this.sql(
      `UPDATE qbo_ledger SET sent_at = ?, unprotected_at = CASE WHEN ? = 1 THEN ? ELSE unprotected_at END
         WHERE id = ? AND state = 'sent' AND sent_by = ? AND attempts = ? AND payload_hash = ? AND request_id = ?`,
    );
    const lost = new Error('fenced');
    try {
      return this.transaction(() => {
        for (const row of rows) {
          const mark = unprotected ? 1 : 0;
          const h = row.payloadHash;
          if (first.run(sender, now, now, mark, now, row.id, row.attempts, h, row.requestId).changes === 1) {
            continue;
          }
          if (again.run(now, mark, now, row.id, sender, row.attempts + 1, h, row.requestId).changes === 1) {
            continue;
          }
          throw lost;
        }
        return true;
      });
    } catch (error) {
      if (error === lost) return false;
      throw error;
    }
  }

  /** The sender is still waiting for its answer: its rows stay its own for another lease. */
  renewSent(ids: readonly number[], sender: string): void {
    const now = this.now();
    const stmt = this.sql(
      "UPDATE qbo_ledger SET sent_at = ? WHERE id = ? AND state = 'sent' AND sent_by = ?",
    );
    this.transaction(() => {
      for (const id of ids) stmt.run(now, id, sender);
    });
  }

  /**
   * sent → unknown for `taker`, only if the row is exactly as seen (same sender, attempt and send time) and
   * that send is older than `leaseMs`: its request can no longer be in flight, so a lookup is conclusive.
   * False when the sender may still be waiting for its answer, or another run took it over first.
   */
  takeOver(
    row: Pick<LedgerRow, 'id' | 'sentBy' | 'attempts' | 'sentAt'>,
    taker: string,
    leaseMs: number,
  ): boolean {
    const now = Date.now();
    const cutoff = new Date(now - leaseMs).toISOString();
    const error = JSON.stringify({
      message: `Taken over from ${row.sentBy ?? 'an earlier run'}, which sent it at ${row.sentAt ?? 'an unknown time'} and never finished; looking it up before anything is sent again`,
    });
    const info = this.sql(
      `UPDATE qbo_ledger SET state = 'unknown', sent_by = ?, error = ?, updated_at = ?
         WHERE id = ? AND state = 'sent' AND sent_by IS ? AND attempts = ? AND sent_at IS ?
           AND (sent_at IS NULL OR sent_at < ?)`,
    ).run(taker, error, new Date(now).toISOString(), row.id, row.sentBy, row.attempts, row.sentAt, cutoff);
    return info.changes === 1;
  }

  /**
   * Records the QuickBooks object for a row: from sent/unknown (an answer or a lookup), planned (adopting
   * what a 6140 or lookup found) or rejected (a late answer proves the object exists after all). A created
   * row keeps its first id; a different second id is a duplicate in QuickBooks, recorded in the row's
   * error for an operator to void (the caller logs it).
   */
  markCreated(
    id: number,
    result: { qboId: string; syncToken?: string | null; intuitTid?: string | null; adopted?: boolean },
  ): CreatedResult {
    const now = this.now();
    const set = `UPDATE qbo_ledger SET state = 'created', qbo_id = ?, sync_token = ?, intuit_tid = COALESCE(?, intuit_tid),
         adopted = ?, error = NULL, updated_at = ? WHERE id = ?`;
    const args = [
      result.qboId,
      result.syncToken ?? null,
      result.intuitTid ?? null,
      result.adopted ? 1 : 0,
      now,
      id,
    ];
    // The common case — the answer for a row in flight — is one statement, atomic on its own: it runs once
    // per object, usually inside a batch's commit, where wrapping it would add a SAVEPOINT per row.
    if (this.sql(`${set} AND state IN ('planned', 'sent', 'unknown')`).run(...args).changes === 1) {
      return { kind: 'created', fromRejected: false };
    }
    return this.transaction((): CreatedResult => {
      const row = this.get(id);
      if (row.state !== 'created' || row.qboId === null || row.qboId === '') {
        this.sql(`${set} AND state = ?`).run(...args, row.state);
        return { kind: 'created', fromRejected: row.state === 'rejected' };
      }
      if (row.qboId === result.qboId) return { kind: 'same' };
      const known = Array.isArray(row.error?.duplicates) ? (row.error.duplicates as unknown[]) : [];
      const seen = known.some(
        (d) => typeof d === 'object' && d !== null && (d as { qboId?: unknown }).qboId === result.qboId,
      );
      if (seen) return { kind: 'same' };
      const duplicates = [
        ...known,
        {
          qboId: result.qboId,
          intuitTid: result.intuitTid ?? null,
          adopted: result.adopted ?? false,
          detectedAt: now,
        },
      ];
      const message = `QuickBooks holds two ${row.entity} objects for this row: ${row.qboId} (kept) and ${result.qboId}; void ${result.qboId} in QuickBooks`;
      this.sql('UPDATE qbo_ledger SET error = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify({ ...(row.error ?? {}), message, duplicates }),
        now,
        id,
      );
      return { kind: 'duplicate', keptId: row.qboId, duplicateId: result.qboId };
    });
  }

  /**
   * → rejected from planned/sent/unknown; never over a created row. With `afterLookup`, only from the
   * unknown state and attempt the lookup ran against (a resend since then makes its verdict stale).
   */
  markRejected(
    id: number,
    error: Record<string, unknown>,
    intuitTid?: string | null,
    afterLookup?: { attempts: number },
  ): boolean {
    const args = [JSON.stringify(error), intuitTid ?? null, this.now(), id];
    const set = `UPDATE qbo_ledger SET state = 'rejected', error = ?, intuit_tid = COALESCE(?, intuit_tid), updated_at = ?
         WHERE id = ?`;
    const info = afterLookup
      ? this.sql(`${set} AND state = 'unknown' AND attempts = ?`).run(...args, afterLookup.attempts)
      : this.sql(`${set} AND state IN ('planned', 'sent', 'unknown')`).run(...args);
    return info.changes === 1;
  }

  /** The sender lost track of its request (timeout, 5xx, dropped): sent → unknown, to be looked up. */
  markUnknown(ids: readonly number[], error: Record<string, unknown>, sender: string): void {
    const stmt = this.sql(
      `UPDATE qbo_ledger SET state = 'unknown', error = ?, updated_at = ?
         WHERE id = ? AND (state = 'unknown' OR (state = 'sent' AND sent_by = ?))`,
    );
    const now = this.now();
    const text = JSON.stringify(error);
    this.transaction(() => {
      for (const id of ids) stmt.run(text, now, id, sender);
    });
  }

  /**
   * sent → planned by its own sender, when QuickBooks' answer proves nothing was created (a throttled item,
   * a 401/403/429 or 413 before processing, no token to send with). The requestid is kept.
   */
  releaseUnsent(ids: readonly number[], sender: string, error?: Record<string, unknown>): void {
    const stmt = this.sql(
      "UPDATE qbo_ledger SET state = 'planned', error = ?, updated_at = ? WHERE id = ? AND state = 'sent' AND sent_by = ?",
    );
    const now = this.now();
    const text = error ? JSON.stringify(error) : null;
    this.transaction(() => {
      for (const id of ids) stmt.run(text, now, id, sender);
    });
  }

  /**
   * unknown → planned when a lookup found nothing, only if the row is still at the attempt the lookup ran
   * against (false when someone else settled or resent it meanwhile) and the lookup proves something: it
   * began at `lookedFrom` (ISO), and a send without a requestid (`unprotected_at`) counts as over — committed
   * and visible to queries, or never to commit — only `horizonMs` after it left. A lookup earlier than that
   * leaves the row unknown. The requestid is kept.
   */
  replanAfterLookup(id: number, attempts: number, lookedFrom: string, horizonMs: number): boolean {
    const over = new Date(Date.parse(lookedFrom) - horizonMs).toISOString();
    const info = this.sql(
      `UPDATE qbo_ledger SET state = 'planned', error = NULL, updated_at = ?
         WHERE id = ? AND state = 'unknown' AND attempts = ? AND (unprotected_at IS NULL OR unprotected_at <= ?)`,
    ).run(this.now(), id, attempts, over);
    return info.changes === 1;
  }

  /**
   * A 6140 whose holder cannot be read: QuickBooks says the number is used, but not by whom — maybe by our
   * own earlier send, not yet visible. The row becomes unknown (pending, looked up again), never rejected:
   * renumbering it could create a second copy.
   */
  markUnresolved(id: number, error: Record<string, unknown>, sender: string): void {
    this.markUnknown([id], error, sender);
  }

  /**
   * rejected → planned with a NEW requestid (the old one would replay the rejection), for a user who fixed
   * the cause in QuickBooks (`--retry-rejected`) or a cause a read shows gone; when is `rejected-retry.ts`'s
   * to decide. False when the row is not rejected.
   */
  retryRejected(id: number): boolean {
    const info = this.sql(
      `UPDATE qbo_ledger SET state = 'planned', request_id = ?, error = NULL, updated_at = ?
         WHERE id = ? AND state = 'rejected'`,
    ).run(mintRequestId(), this.now(), id);
    return info.changes === 1;
  }
}
