import { headerKey } from '../../../shared/src/sheets/columns';
import type { RowGroup } from '../../../shared/src/sheets/group';
import { findOrCreateName, NameConflictError, type QboConnection } from '../qbo/index';
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

/**
 * Resolves every group's party. Distinct names are found or created a few at a time (the client's rate
 * limiter paces the calls): one at a time, 300 new clients cost 300 round trips before the first invoice.
 */
export async function resolveParties(
  qbo: QboConnection,
  map: CustomerMap,
  groups: readonly RowGroup[],
  customers: Record<string, string> | undefined,
  concurrency = 4,
): Promise<Map<RowGroup, Party>> {
  const known = tableMatches(map, qbo.realmId, groups, customers);
  const byName = new Map<string, () => Promise<Party>>();
  const keyOf = new Map<RowGroup, string>();
  for (const g of groups) {
    const entity = partyEntity(g);
    const tab = tabTarget(g, customers);
    const name = tab ?? g.party;
    const key = `${entity}:${clientKey(name)}`;
    keyOf.set(g, key);
    if (byName.has(key)) continue;
    const fromTable = entity === 'Customer' && tab === undefined ? known.get(clientKey(name)) : undefined;
    if (fromTable) byName.set(key, async () => ({ id: fromTable, mapped: true }));
    else if (entity === 'Customer' && /^\d+$/.test(name)) byName.set(key, async () => ({ id: name }));
    else byName.set(key, () => findOrCreate(qbo, map, entity, name, tab === undefined));
  }
  const settled = new Map<string, Party>();
  const queue = [...byName.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      try {
        settled.set(next[0], await next[1]());
      } catch (error) {
        queue.length = 0; // QuickBooks stopped the run: the other workers take nothing new.
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return new Map(groups.map((g) => [g, settled.get(keyOf.get(g)!)!]));
}

async function findOrCreate(
  qbo: QboConnection,
  map: CustomerMap,
  entity: PartyEntity,
  name: string,
  remember: boolean,
): Promise<Party> {
  try {
    const found = await findOrCreateName(qbo.client, qbo.ledger, { entity, displayName: name });
    if (entity === 'Customer' && remember) {
      map.remember(
        qbo.realmId,
        name,
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
