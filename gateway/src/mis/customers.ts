import {
  type CreateInput,
  createMany,
  findOrCreateName,
  NameConflictError,
  type QboConnection,
  qboQuery,
  rowsOf,
  validateDisplayName,
} from '../qbo/index';
import { customerFields, type MisParty } from './map-row';
import type { MisDb } from './mis-db';
import { writeCustomerIds } from './parties';

/**
 * Students and applicants become QuickBooks customers during the invoice sync (the seed promised it and
 * never did). For a page of parties without a QuickBooks id: one `DisplayName IN (…)` query per 30 names
 * adopts customers that already exist (created earlier, by hand, or by the original integration); the rest
 * are created through the batch writer (ledger key `mis:customer:<kind>:<reg_no>`, looked up by
 * DisplayName, so a crash never creates one twice). A name QuickBooks refuses (6240: held by a vendor,
 * an employee or an inactive customer) goes through `findOrCreateName`, whose sentence says what to
 * change. Each new id is written back to `qk_id` / `quickbooks_id`.
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

async function existingByName(
  qbo: QboConnection,
  names: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const slices: string[][] = [];
  for (let i = 0; i < names.length; i += 30) slices.push(names.slice(i, i + 30));
  // Side by side: the limiter paces them, and a page's customers are not held up one query at a time.
  const responses = await Promise.all(
    slices.map((slice) =>
      qbo.client.query(
        qboQuery('select * from Customer where Active IN (true, false) and DisplayName IN ?', [slice]),
        'find MIS customers',
      ),
    ),
  );
  for (const response of responses) {
    for (const row of rowsOf(response, 'Customer')) {
      if (typeof row.DisplayName === 'string') found.set(nameKey(row.DisplayName), row);
    }
  }
  return found;
}

/** A QuickBooks customer id for every party (by party key), creating the missing ones. */
export async function ensureCustomers(
  db: MisDb,
  qbo: QboConnection,
  parties: readonly MisParty[],
): Promise<Map<string, CustomerResult>> {
  const results = new Map<string, CustomerResult>();
  const links: Array<{ party: MisParty; qboId: string }> = [];
  try {
    await resolveCustomers(qbo, parties, results, links);
  } finally {
    // Whatever was found or created is recorded, even when a later step throws (lost connection).
    if (links.length > 0) await writeCustomerIds(db, links);
  }
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

  const existing = await existingByName(
    qbo,
    need.map((n) => n.name),
  );
  const toCreate: Array<{ party: MisParty; name: string; input: CreateInput }> = [];
  for (const { party, name } of need) {
    const found = existing.get(nameKey(name));
    if (found && found.Active !== false) {
      links.push({ party, qboId: String(found.Id) });
      results.set(party.key, { ok: true, qboId: String(found.Id), created: false });
    } else if (found) {
      results.set(party.key, {
        ok: false,
        pending: false,
        reason: `Customer "${name}" is inactive in QuickBooks; make it active again or rename it`,
      });
    } else {
      toCreate.push({
        party,
        name,
        input: {
          key: customerKey(party),
          entity: 'Customer',
          payload: { ...customerFields(party), DisplayName: name },
          lookup: { displayName: name },
        },
      });
    }
  }
  if (toCreate.length === 0) return;

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
