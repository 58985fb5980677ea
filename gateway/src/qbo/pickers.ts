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

async function cached(
  ctx: AppContext,
  kind: 'customers' | 'items',
  read: () => Promise<PickerEntry[]>,
  realmId: string,
): Promise<PickerEntry[]> {
  let byKey = cache.get(ctx);
  if (!byKey) {
    byKey = new Map();
    cache.set(ctx, byKey);
  }
  const key = `${realmId}:${kind}`;
  const hit = byKey.get(key);
  if (hit && Date.now() - hit.at < ttlMs) return hit.entries;
  const entries = await read();
  byKey.set(key, { at: Date.now(), entries });
  return entries;
}

const byName = (a: PickerEntry, b: PickerEntry) => a.name.localeCompare(b.name);

export function pickerCustomers(ctx: AppContext): Promise<PickerEntry[]> {
  const { client, realmId } = openQbo(ctx);
  return cached(
    ctx,
    'customers',
    async () =>
      (await queryAll<Record<string, unknown>>(client, 'Customer', 'Active = true'))
        .map((c) => ({ id: String(c.Id), name: String(c.DisplayName ?? '') }))
        .sort(byName),
    realmId,
  );
}

export function pickerItems(ctx: AppContext): Promise<PickerEntry[]> {
  const { client, realmId } = openQbo(ctx);
  return cached(
    ctx,
    'items',
    async () =>
      (await queryAll<Record<string, unknown>>(client, 'Item', "Type = 'Service' AND Active = true"))
        .map((i) => ({
          id: String(i.Id),
          name: String(i.Name ?? ''),
          unitPriceCents: typeof i.UnitPrice === 'number' ? toCents(i.UnitPrice) : null,
        }))
        .sort(byName),
    realmId,
  );
}
