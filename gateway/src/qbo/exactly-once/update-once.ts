import crypto from 'node:crypto';
import type { Db } from '../../store/database';
import type { QboClient } from '../http/client';
import { QboError } from '../http/errors';

/**
 * Changing or deleting an existing QuickBooks object exactly once: a sparse update (`updateOnce`) or a delete
 * (`deleteOnce`), each with its own row in `qbo_updates` (keyed by the flow's natural key, e.g.
 * `zimbra:update:<customer>:<YYYY-MM>:<lines hash>`) written before the call.
 *
 * The argument: every send carries the SyncToken of the object as it was just read, and the change is
 * computed from that read. QuickBooks applies a write only on the current SyncToken (else fault 5010), so two
 * sends computed from the same read cannot both apply. After an unknown outcome (timeout, 5xx, dropped
 * connection) the object is read again: if the change is visible the row is done; if not, the next send is
 * computed from the fresh read, and should the lost send still commit later, that send is stale and the
 * following read shows the change. A stale SyncToken (5010) is the same: re-read, recompute, retry — a bounded
 * number of rounds. The caller's `change` decides from the current object what (if anything) to send, so an
 * object someone edited or sent meanwhile is judged on its latest state, never overwritten blindly.
 * Calls go through the client (the realm's rate limiter, token refresh, retry policy).
 */

/** What `change` answers for the object as it is now. */
export type ChangeDecision =
  /** Send these fields (sparse; Id, SyncToken and `sparse: true` are added). */
  | { send: Record<string, unknown> }
  /** The object already shows the change (an earlier send applied). */
  | { done: true }
  /** Leave the object alone; the sentence says why (e.g. the invoice was sent meanwhile). */
  | { refuse: string };

export type UpdateOutcome =
  | { key: string; state: 'done'; syncToken: string | null; entity: Record<string, unknown> | null }
  | { key: string; state: 'refused'; message: string }
  /** Not settled in this run (QuickBooks unreachable, or still stale after every round); the next run continues. */
  | { key: string; state: 'pending'; message: string };

interface UpdateRow {
  id: number;
  state: 'planned' | 'sent' | 'done' | 'refused';
  sync_token: string | null;
  message: string | null;
}

const now = () => new Date().toISOString();

function planRow(
  db: Db,
  realm: string,
  key: string,
  entity: string,
  id: string,
  operation: 'update' | 'delete',
): UpdateRow {
  db.prepare(
    `INSERT INTO qbo_updates (realm_id, update_key, entity, qbo_id, operation, state, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'planned', ?, ?) ON CONFLICT (realm_id, update_key) DO NOTHING`,
  ).run(realm, key, entity, id, operation, now(), now());
  return db
    .prepare('SELECT id, state, sync_token, message FROM qbo_updates WHERE realm_id = ? AND update_key = ?')
    .get(realm, key) as UpdateRow;
}

function mark(
  db: Db,
  id: number,
  fields: {
    state: UpdateRow['state'];
    requestId?: string;
    syncToken?: string | null;
    message?: string | null;
    attempt?: boolean;
  },
): void {
  db.prepare(
    `UPDATE qbo_updates SET state = @state, request_id = COALESCE(@requestId, request_id),
       sync_token = COALESCE(@syncToken, sync_token), message = @message,
       attempts = attempts + @attempt, updated_at = @now WHERE id = @id`,
  ).run({
    id,
    state: fields.state,
    requestId: fields.requestId ?? null,
    syncToken: fields.syncToken ?? null,
    message: fields.message ?? null,
    attempt: fields.attempt ? 1 : 0,
    now: now(),
  });
}

const isStale = (error: unknown) => error instanceof QboError && error.hasCode('5010');
const isMissing = (error: unknown) =>
  error instanceof QboError && (error.hasCode('610') || error.status === 404);
/** A failure after which the write may or may not have applied; settled by reading again. */
const isUnknown = (error: unknown) =>
  error instanceof QboError && (error.category === 'retryable' || error.category === 'throttled');

export interface UpdateInput {
  key: string;
  entity: string;
  id: string;
  change: (current: Record<string, unknown>) => ChangeDecision;
  /** Read → decide → send rounds before leaving the row pending (default 4). */
  maxRounds?: number;
}

export async function updateOnce(client: QboClient, db: Db, input: UpdateInput): Promise<UpdateOutcome> {
  const row = planRow(db, client.realmId, input.key, input.entity, input.id, 'update');
  if (row.state === 'done') return { key: input.key, state: 'done', syncToken: row.sync_token, entity: null };
  if (row.state === 'refused') return { key: input.key, state: 'refused', message: row.message ?? 'refused' };
  let lastError = 'not settled';
  for (let round = 0; round < (input.maxRounds ?? 4); round++) {
    let current: Record<string, unknown>;
    try {
      current = await client.read(input.entity, input.id);
    } catch (error) {
      if (isMissing(error)) {
        const message = `${input.entity} ${input.id} no longer exists in QuickBooks`;
        mark(db, row.id, { state: 'refused', message });
        return { key: input.key, state: 'refused', message };
      }
      if (isUnknown(error)) return { key: input.key, state: 'pending', message: (error as Error).message };
      throw error;
    }
    const decision = input.change(current);
    if ('done' in decision) {
      const syncToken = String(current.SyncToken ?? '');
      mark(db, row.id, { state: 'done', syncToken });
      return { key: input.key, state: 'done', syncToken, entity: current };
    }
    if ('refuse' in decision) {
      mark(db, row.id, { state: 'refused', message: decision.refuse });
      return { key: input.key, state: 'refused', message: decision.refuse };
    }
    const requestId = crypto.randomUUID();
    mark(db, row.id, { state: 'sent', requestId, attempt: true });
    try {
      const answer = await client.call(
        {
          method: 'POST',
          path: `/${input.entity.toLowerCase()}`,
          body: { ...decision.send, Id: input.id, SyncToken: current.SyncToken, sparse: true },
          operation: `update ${input.entity}`,
          requestId,
        },
        'write',
      );
      const entity = answer.json[input.entity] as Record<string, unknown> | undefined;
      const syncToken = entity ? String(entity.SyncToken ?? '') : null;
      mark(db, row.id, { state: 'done', syncToken });
      return { key: input.key, state: 'done', syncToken, entity: entity ?? null };
    } catch (error) {
      if (isStale(error) || isUnknown(error)) {
        lastError = (error as Error).message;
        continue;
      }
      if (error instanceof QboError && error.category === 'validation') {
        const message = error.message;
        mark(db, row.id, { state: 'refused', message });
        return { key: input.key, state: 'refused', message };
      }
      throw error;
    }
  }
  mark(db, row.id, { state: 'planned', message: lastError });
  return { key: input.key, state: 'pending', message: lastError };
}

export type DeleteOutcome =
  | { key: string; state: 'deleted' }
  | { key: string; state: 'refused'; message: string }
  | { key: string; state: 'pending'; message: string };

export interface DeleteInput {
  key: string;
  entity: string;
  id: string;
  /** Given the object as it is now, a sentence saying why it must stay, or null to delete it. */
  guard: (current: Record<string, unknown>) => string | null;
  maxRounds?: number;
}

/**
 * Deletes an object exactly once. An object already gone counts as deleted (an earlier send applied, or a
 * person deleted it); the guard sees the latest state on every round, so one sent or edited meanwhile stays.
 */
export async function deleteOnce(client: QboClient, db: Db, input: DeleteInput): Promise<DeleteOutcome> {
  const row = planRow(db, client.realmId, input.key, input.entity, input.id, 'delete');
  if (row.state === 'done') return { key: input.key, state: 'deleted' };
  if (row.state === 'refused') return { key: input.key, state: 'refused', message: row.message ?? 'refused' };
  let lastError = 'not settled';
  for (let round = 0; round < (input.maxRounds ?? 4); round++) {
    let current: Record<string, unknown>;
    try {
      current = await client.read(input.entity, input.id);
    } catch (error) {
      if (isMissing(error)) {
        mark(db, row.id, { state: 'done' });
        return { key: input.key, state: 'deleted' };
      }
      if (isUnknown(error)) return { key: input.key, state: 'pending', message: (error as Error).message };
      throw error;
    }
    if (current.status === 'Deleted') {
      mark(db, row.id, { state: 'done' });
      return { key: input.key, state: 'deleted' };
    }
    const reason = input.guard(current);
    if (reason) {
      mark(db, row.id, { state: 'refused', message: reason });
      return { key: input.key, state: 'refused', message: reason };
    }
    const requestId = crypto.randomUUID();
    mark(db, row.id, { state: 'sent', requestId, attempt: true });
    try {
      await client.call(
        {
          method: 'POST',
          path: `/${input.entity.toLowerCase()}`,
          params: { operation: 'delete' },
          body: { Id: input.id, SyncToken: current.SyncToken },
          operation: `delete ${input.entity}`,
          requestId,
        },
        'write',
      );
      mark(db, row.id, { state: 'done' });
      return { key: input.key, state: 'deleted' };
    } catch (error) {
      if (isMissing(error)) {
        mark(db, row.id, { state: 'done' });
        return { key: input.key, state: 'deleted' };
      }
      if (isStale(error) || isUnknown(error)) {
        lastError = (error as Error).message;
        continue;
      }
      if (error instanceof QboError && error.category === 'validation') {
        mark(db, row.id, { state: 'refused', message: error.message });
        return { key: input.key, state: 'refused', message: error.message };
      }
      throw error;
    }
  }
  mark(db, row.id, { state: 'planned', message: lastError });
  return { key: input.key, state: 'pending', message: lastError };
}
