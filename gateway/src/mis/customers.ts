import {
  type CreateInput,
  createMany,
  findOrCreateName,
  NameConflictError,
  type QboConnection,
  validateDisplayName,
} from '../qbo/index';
import { customerFields, type MisParty } from './map-row';
import type { MisDb } from './mis-db';
import { writeCustomerIds } from './parties';

/**
 * Students and applicants become QuickBooks customers during the invoice sync (the seed promised it and
 * never did). Parties without a QuickBooks id are created through the batch writer (ledger key
 * `mis:customer:<kind>:<reg_no>`, looked up by DisplayName, so a crash never creates one twice). No lookup
 * query goes first: most parties are new, and QuickBooks itself refuses a name that exists (6240), which
 * then goes through `findOrCreateName` — it adopts an active customer of that name (created by hand or by
 * the original integration) or says what to rename (a vendor, an employee or an inactive customer holds
 * it). Each id is written back to `qk_id` / `quickbooks_id`, so the next run needs no call at all.
 */

export type CustomerResult =
  | { ok: true; qboId: string; created: boolean }
  | { ok: false; reason: string; pending: boolean };

const nameKey = (name: string): string =>
  name
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

function customerKey(party: MisParty): string {
  return `mis:customer:${party.kind}:${nameKey(party.key)}`;
}

/**
 * Customers being created by this process right now, by realm and party: the batches `all` keeps in flight
 * often bill the same student, and a second batch must wait for the first's customer rather than find its
 * ledger row "still being sent" and give up on the invoice.
 */
const inFlight = new Map<string, Promise<CustomerResult>>();

/** A QuickBooks customer id for every party (by party key), creating the missing ones. */
export async function ensureCustomers(
  db: MisDb,
  qbo: QboConnection,
  parties: readonly MisParty[],
): Promise<Map<string, CustomerResult>> {
  const results = new Map<string, CustomerResult>();
  const waiting = new Map<string, Promise<CustomerResult>>();
  const mine: MisParty[] = [];
  const settle = new Map<string, (result: CustomerResult) => void>();
  for (const party of parties) {
    if (waiting.has(party.key) || settle.has(party.key)) continue;
    const flightKey = `${qbo.realmId}:${customerKey(party)}`;
    const other = party.qboId ? undefined : inFlight.get(flightKey);
    if (other) {
      waiting.set(party.key, other);
      continue;
    }
    mine.push(party);
    if (!party.qboId) {
      inFlight.set(flightKey, new Promise((resolve) => settle.set(party.key, resolve)));
    }
  }
  const links: Array<{ party: MisParty; qboId: string }> = [];
  try {
    await resolveCustomers(qbo, mine, results, links);
  } finally {
    // Whatever was found or created is recorded, even when a later step throws (lost connection).
    try {
      if (links.length > 0) await writeCustomerIds(db, links);
    } finally {
      for (const party of mine) {
        const done = settle.get(party.key);
        if (!done) continue;
        inFlight.delete(`${qbo.realmId}:${customerKey(party)}`);
        done(results.get(party.key) ?? { ok: false, pending: true, reason: 'the run creating it stopped' });
      }
    }
  }
  for (const [key, promise] of waiting) results.set(key, await promise);
  return results;
}

async function resolveCustomers(
  qbo: QboConnection,
  parties: readonly MisParty[],
  results: Map<string, CustomerResult>,
  links: Array<{ party: MisParty; qboId: string }>,
): Promise<void> {
  const need: Array<{ party: MisParty; name: string }> = [];
  for (const party of parties) {
    if (results.has(party.key)) continue;
    if (party.qboId) {
      results.set(party.key, { ok: true, qboId: party.qboId, created: false });
      continue;
    }
    try {
      need.push({ party, name: validateDisplayName(party.key) });
      results.set(party.key, { ok: false, reason: 'not yet created', pending: true });
    } catch (error) {
      if (!(error instanceof NameConflictError)) throw error;
      results.set(party.key, { ok: false, reason: error.message, pending: false });
    }
  }
  if (need.length === 0) return;

  const toCreate = need.map(({ party, name }) => ({
    party,
    name,
    input: {
      key: customerKey(party),
      entity: 'Customer' as const,
      payload: { ...customerFields(party), DisplayName: name },
      lookup: { displayName: name },
    } satisfies CreateInput,
  }));
  const outcomes = await createMany(
    qbo.client,
    qbo.ledger,
    toCreate.map((c) => c.input),
  );
  for (const [i, outcome] of outcomes.entries()) {
    const { party, name, input } = toCreate[i]!;
    if (outcome.state === 'created') {
      links.push({ party, qboId: outcome.qboId });
      results.set(party.key, { ok: true, qboId: outcome.qboId, created: !outcome.adopted });
    } else if (outcome.state === 'rejected' && outcome.code === '6240') {
      // The name is held elsewhere (vendor, employee, inactive, or a race): find-or-create explains or adopts.
      try {
        const record = await findOrCreateName(qbo.client, qbo.ledger, {
          entity: 'Customer',
          displayName: name,
          fields: customerFields(party),
          key: input.key,
        });
        links.push({ party, qboId: record.id });
        results.set(party.key, { ok: true, qboId: record.id, created: record.created });
      } catch (error) {
        if (!(error instanceof NameConflictError)) throw error;
        results.set(party.key, { ok: false, reason: error.message, pending: false });
      }
    } else if (outcome.state === 'rejected') {
      results.set(party.key, {
        ok: false,
        pending: false,
        reason: `QuickBooks refused to create customer "${name}": ${outcome.message}`,
      });
    } else {
      results.set(party.key, {
        ok: false,
        pending: true,
        reason: `Customer "${name}" not created yet: ${outcome.message}`,
      });
    }
  }
}
