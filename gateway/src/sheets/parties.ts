import { headerKey } from '../../../shared/src/sheets/columns';
import type { RowGroup } from '../../../shared/src/sheets/group';
import { findNames, findOrCreateName, NameConflictError, type QboConnection } from '../qbo/index';
import { type CustomerMap, clientKey } from './customer-map';

/**
 * Who each group's invoice or bill is for. A customer is, in this order: the sheet's `qb_customers` tab
 * (a QuickBooks name or numeric Id), the gateway's customer-mapping table (`customer-map.ts`), or
 * find-or-create by the row's client name — recorded in the table so the next run needs no lookup. A
 * vendor (money out) is found or created by `inv_from`.
 */

export type PartyEntity = 'Customer' | 'Vendor';
/** `mapped`: the Id came from the gateway's customer-mapping table (a refusal should point there). */
export type Party = { id: string; mapped?: true } | { error: string };

export const partyEntity = (g: RowGroup): PartyEntity =>
  g.direction === 'money_out' ? 'Vendor' : 'Customer';

/** The `qb_customers` tab's target for a client name, if the tab names one. */
export function tabTarget(g: RowGroup, customers: Record<string, string> | undefined): string | undefined {
  if (g.direction === 'money_out' || !customers) return undefined;
  for (const [from, to] of Object.entries(customers)) {
    if (headerKey(from) === headerKey(g.party) && to.trim() !== '') return to.trim();
  }
  return undefined;
}

/** The name (or numeric Id) to find or create: the tab's target, else the row's own client/vendor name. */
export function mappedParty(g: RowGroup, customers: Record<string, string> | undefined): string {
  return tabTarget(g, customers) ?? g.party;
}

/** Gateway-table Ids for the customers of these groups that the tab does not map (read only). */
export function tableMatches(
  map: CustomerMap,
  realmId: string,
  groups: readonly RowGroup[],
  customers: Record<string, string> | undefined,
): Map<string, string> {
  const names = groups
    .filter((g) => g.direction === 'money_in' && tabTarget(g, customers) === undefined)
    .map((g) => g.party);
  return map.lookup(realmId, names);
}

interface Wanted {
  entity: PartyEntity;
  name: string;
  /** Record what is settled in the customer-mapping table (a customer the tab does not map). */
  remember: boolean;
}

/** Runs `tasks` a few at a time; the first failure stops the others taking anything new. */
async function runFew(tasks: Array<() => Promise<void>>, concurrency: number): Promise<void> {
  const queue = [...tasks];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      try {
        await next();
      } catch (error) {
        queue.length = 0; // QuickBooks stopped the run.
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
}

/**
 * Resolves every group's party. Names neither the tab nor the table settle are first looked up together (a
 * query per ~30 names); only the ones not found that way go through find-or-create, a few at a time (the
 * client's limiter paces the calls). One at a time, 300 new clients cost 300 round trips before the first
 * invoice.
 */
export async function resolveParties(
  qbo: QboConnection,
  map: CustomerMap,
  groups: readonly RowGroup[],
  customers: Record<string, string> | undefined,
  concurrency = 4,
): Promise<Map<RowGroup, Party>> {
  const known = tableMatches(map, qbo.realmId, groups, customers);
  const settled = new Map<string, Party>();
  const wanted = new Map<string, Wanted>();
  const keyOf = new Map<RowGroup, string>();
  for (const g of groups) {
    const entity = partyEntity(g);
    const tab = tabTarget(g, customers);
    const name = tab ?? g.party;
    const key = `${entity}:${clientKey(name)}`;
    keyOf.set(g, key);
    if (settled.has(key) || wanted.has(key)) continue;
    const fromTable = entity === 'Customer' && tab === undefined ? known.get(clientKey(name)) : undefined;
    if (fromTable) settled.set(key, { id: fromTable, mapped: true });
    else if (entity === 'Customer' && /^\d+$/.test(name)) settled.set(key, { id: name });
    else wanted.set(key, { entity, name, remember: entity === 'Customer' && tab === undefined });
  }
  for (const entity of ['Customer', 'Vendor'] as const) {
    const names = [...wanted.values()].filter((w) => w.entity === entity).map((w) => w.name);
    if (names.length === 0) continue;
    const found = await findNames(qbo.client, entity, names);
    for (const [key, w] of wanted) {
      const record = w.entity === entity ? found.get(w.name) : undefined;
      if (!record?.active) continue; // Inactive or absent: find-or-create says what to do.
      settled.set(key, { id: record.id });
      if (w.remember) map.remember(qbo.realmId, w.name, { id: record.id, name: record.displayName }, 'found');
      wanted.delete(key);
    }
  }
  await runFew(
    [...wanted].map(([key, w]) => async () => {
      settled.set(key, await findOrCreate(qbo, map, w));
    }),
    concurrency,
  );
  return new Map(groups.map((g) => [g, settled.get(keyOf.get(g)!)!]));
}

async function findOrCreate(qbo: QboConnection, map: CustomerMap, w: Wanted): Promise<Party> {
  try {
    const found = await findOrCreateName(qbo.client, qbo.ledger, { entity: w.entity, displayName: w.name });
    if (w.remember) {
      map.remember(
        qbo.realmId,
        w.name,
        { id: found.id, name: found.displayName },
        found.created ? 'created' : 'found',
      );
    }
    return { id: found.id };
  } catch (error) {
    if (!(error instanceof NameConflictError)) throw error;
    return { error: error.message };
  }
}
