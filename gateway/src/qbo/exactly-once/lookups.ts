import type { QboClient } from '../http/client';
import { qboQuery, rowsOf } from '../query';

/**
 * Read-mostly reference data (Items, Vendors, Accounts, CompanyInfo) cached for the length of one run, so
 * a 3,000-row sync asks QuickBooks for item "Services" once, not 3,000 times. A new run builds a new
 * cache: names changed in QuickBooks between runs are always seen. Concurrent callers of the same key
 * share one request.
 */
export interface RunLookups {
  companyInfo(): Promise<Record<string, unknown>>;
  itemById(id: string): Promise<Record<string, unknown>>;
  itemByName(name: string): Promise<Record<string, unknown> | undefined>;
  vendorByName(name: string): Promise<Record<string, unknown> | undefined>;
  accountById(id: string): Promise<Record<string, unknown>>;
  accountByName(name: string): Promise<Record<string, unknown> | undefined>;
  /** How many QuickBooks calls the cache made (for run summaries and tests). */
  readonly calls: number;
}

export function createRunLookups(client: QboClient): RunLookups {
  const cache = new Map<string, Promise<unknown>>();
  let calls = 0;
  function memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      calls += 1;
      hit = load();
      // A failed look-up is not remembered: the next caller tries again.
      hit.catch(() => cache.delete(key));
      cache.set(key, hit);
    }
    return hit;
  }
  const byName = (entity: string, field: string, name: string) =>
    memo(`${entity}:name:${name.toLowerCase()}`, async () => {
      const response = await client.query(
        qboQuery(`select * from ${entity} where ${field} = ?`, [name]),
        `find ${entity}`,
      );
      return rowsOf(response, entity)[0];
    });
  const byId = (entity: string, id: string) => memo(`${entity}:id:${id}`, () => client.read(entity, id));
  return {
    companyInfo: () => memo('CompanyInfo', () => client.companyInfo()),
    itemById: (id) => byId('Item', id),
    itemByName: (name) => byName('Item', 'Name', name),
    vendorByName: (name) => byName('Vendor', 'DisplayName', name),
    accountById: (id) => byId('Account', id),
    accountByName: (name) => byName('Account', 'Name', name),
    get calls() {
      return calls;
    },
  };
}
