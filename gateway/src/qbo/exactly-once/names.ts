import type { QboClient } from '../http/client';
import type { QboLedger } from './ledger';
import { cleanDisplayName, nameKey } from './name-key';
import { findByDisplayName, findManyByDisplayName, type PersonEntity } from './resolve';
import { createOnce, inactiveNameMessage, nameClashMessage, recordCreated } from './write-once';

/**
 * Find-or-create for Customer and Vendor by DisplayName (qbo-api.md §5.2–5.3). QuickBooks keeps ONE name
 * space across customers, vendors and employees, inactive records included, so "not found as a customer"
 * is not enough: the other lists are checked before creating, and a 6240 on create is explained by
 * re-reading all three. Every failure is a sentence a bookkeeper can act on.
 */

export type NameEntity = 'Customer' | 'Vendor';

export interface NameRecord {
  id: string;
  displayName: string;
  active: boolean;
  syncToken: string | null;
}

export interface FindOrCreateInput {
  entity: NameEntity;
  displayName: string;
  /** Extra fields for a new record (PrimaryEmailAddr, CompanyName…); DisplayName is set from above. */
  fields?: Record<string, unknown>;
  /** Ledger key; defaults to `qbo:<entity>:<normalised name>`. */
  key?: string;
}

export interface NameResult extends NameRecord {
  created: boolean;
}

/** The name cannot be used as asked; `message` says what to change. */
export class NameConflictError extends Error {
  constructor(
    message: string,
    readonly existing?: { entity: PersonEntity; id: string; active: boolean },
  ) {
    super(message);
    this.name = 'NameConflictError';
  }
}

function toRecord(row: Record<string, unknown>): NameRecord {
  return {
    id: String(row.Id ?? ''),
    displayName: String(row.DisplayName ?? ''),
    active: row.Active !== false,
    syncToken: row.SyncToken === undefined ? null : String(row.SyncToken),
  };
}

/** The record of that type whose name matches (case, spacing and quote style ignored), inactive included. */
export async function findName(
  client: QboClient,
  entity: PersonEntity,
  displayName: string,
): Promise<NameRecord | undefined> {
  // Both quote forms: the straight one by `=`, a stored typographic one by LIKE (findByDisplayName).
  const [match] = await findByDisplayName(client, entity, cleanDisplayName(displayName));
  return match ? toRecord(match) : undefined;
}

/**
 * `findName` for many names in a few queries (a first sync with 300 new clients would otherwise wait for 300
 * lookups before its first invoice). Keyed by the names as given; a name absent from the map was not found
 * this way (or holds a quote character): ask `findOrCreateName` for it.
 */
export async function findNames(
  client: QboClient,
  entity: PersonEntity,
  displayNames: readonly string[],
): Promise<Map<string, NameRecord>> {
  const rows = await findManyByDisplayName(client, entity, displayNames.map(cleanDisplayName));
  const found = new Map<string, NameRecord>();
  for (const name of displayNames) {
    const row = rows.get(nameKey(name));
    if (row) found.set(name, toRecord(row));
  }
  return found;
}

export function validateDisplayName(displayName: string): string {
  const name = cleanDisplayName(displayName);
  if (name === '') throw new NameConflictError('The name is empty; fill in a customer or vendor name');
  if (name.includes(':')) {
    throw new NameConflictError(
      `"${name}" contains ":", which QuickBooks reserves for sub-customers; remove it from the name`,
    );
  }
  if (name.length > 500)
    throw new NameConflictError(
      `"${name.slice(0, 40)}…" is longer than QuickBooks allows (500 characters); shorten it`,
    );
  return name;
}

/** Who else holds the name: the other list and employees. */
async function otherHolder(
  client: QboClient,
  entity: NameEntity,
  name: string,
): Promise<{ entity: PersonEntity; record: NameRecord } | undefined> {
  const others: PersonEntity[] = entity === 'Customer' ? ['Vendor', 'Employee'] : ['Customer', 'Employee'];
  for (const other of others) {
    const record = await findName(client, other, name);
    if (record) return { entity: other, record };
  }
  return undefined;
}

export async function findOrCreateName(
  client: QboClient,
  ledger: QboLedger,
  input: FindOrCreateInput,
): Promise<NameResult> {
  const name = validateDisplayName(input.displayName);
  const existing = await findName(client, input.entity, name);
  if (existing) {
    if (!existing.active)
      throw new NameConflictError(inactiveNameMessage(input.entity, existing.displayName), {
        entity: input.entity,
        ...existing,
      });
    return { ...existing, created: false };
  }
  const other = await otherHolder(client, input.entity, name);
  if (other) {
    throw new NameConflictError(
      nameClashMessage(input.entity, other.entity, other.record.displayName, other.record.active),
      {
        entity: other.entity,
        ...other.record,
      },
    );
  }
  const outcome = await createOnce(client, ledger, {
    key: input.key ?? `qbo:${input.entity.toLowerCase()}:${nameKey(name)}`,
    entity: input.entity,
    payload: { ...input.fields, DisplayName: name },
    lookup: { displayName: name },
  });
  if (outcome.state === 'created') {
    return {
      id: outcome.qboId,
      displayName: name,
      active: true,
      syncToken: outcome.syncToken,
      created: !outcome.adopted,
    };
  }
  if (outcome.state === 'rejected' && outcome.code === '6240') {
    // Someone took the name between our check and the create, or QuickBooks matches names we could not see.
    // createOnce already adopts a holder it can see; this re-read catches one that became visible since.
    const now = await findName(client, input.entity, name);
    if (now?.active) {
      // The row would otherwise stay rejected, and the next run would try to create the name again.
      const row = ledger.get(outcome.ledgerId);
      recordCreated(client, ledger, row, { qboId: now.id, syncToken: now.syncToken, adopted: true });
      return { ...now, created: false };
    }
    if (now)
      throw new NameConflictError(inactiveNameMessage(input.entity, now.displayName), {
        entity: input.entity,
        ...now,
      });
    const holder = await otherHolder(client, input.entity, name);
    if (holder) {
      throw new NameConflictError(
        nameClashMessage(input.entity, holder.entity, holder.record.displayName, holder.record.active),
        {
          entity: holder.entity,
          ...holder.record,
        },
      );
    }
  }
  throw new NameConflictError(
    outcome.state === 'pending'
      ? `Could not create ${input.entity.toLowerCase()} "${name}" yet: ${outcome.message}`
      : `QuickBooks refused to create ${input.entity.toLowerCase()} "${name}": ${outcome.message}`,
  );
}
