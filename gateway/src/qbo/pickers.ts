import { toCents } from '../../../shared/src/money';
import type { AppContext } from '../app/context';
import { openQbo } from './connection';
import { queryAll } from './query';

/**
 * The pick lists the add-on's mapping dropdowns show (`GET /api/qbo/customers`, `GET /api/qbo/items`):
 * active customers and service items, read through the client (and so the shared rate limiter) and kept
 * for a short while per company, so a sidebar opening several pickers costs one read each.
 */
export interface PickerEntry {
  id: string;
  name: string;
  unitPriceCents?: number | null;
}

const ttlMs = 5 * 60_000;
const cache = new WeakMap<AppContext, Map<string, { at: number; entries: PickerEntry[] }>>();

const lists = {
  customers: {
    entity: 'Customer',
    where: 'Active = true',
    entry: (c: Record<string, unknown>): PickerEntry => ({
      id: String(c.Id),
      name: String(c.DisplayName ?? ''),
    }),
  },
  items: {
    entity: 'Item',
    where: "Type = 'Service' AND Active = true",
    entry: (i: Record<string, unknown>): PickerEntry => ({
      id: String(i.Id),
      name: String(i.Name ?? ''),
      unitPriceCents: typeof i.UnitPrice === 'number' ? toCents(i.UnitPrice) : null,
    }),
  },
} as const;

async function pickList(ctx: AppContext, kind: keyof typeof lists): Promise<PickerEntry[]> {
  const { client, realmId } = openQbo(ctx);
  let byKey = cache.get(ctx);
  if (!byKey) {
    byKey = new Map();
    cache.set(ctx, byKey);
  }
  const key = `${realmId}:${kind}`;
  const hit = byKey.get(key);
  if (hit && Date.now() - hit.at < ttlMs) return hit.entries;
  const list = lists[kind];
  const entries = (await queryAll<Record<string, unknown>>(client, list.entity, list.where))
    .map(list.entry)
    .sort((a, b) => a.name.localeCompare(b.name));
  byKey.set(key, { at: Date.now(), entries });
  return entries;
}

export const pickerCustomers = (ctx: AppContext) => pickList(ctx, 'customers');
export const pickerItems = (ctx: AppContext) => pickList(ctx, 'items');
