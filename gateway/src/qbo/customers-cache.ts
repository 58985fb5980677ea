import { toCents } from '../../../shared/src/money';
import type { Db } from '../store/database';
import { nameKey } from './exactly-once/name-key';
import type { QboClient } from './http/client';
import { queryAll } from './query';

/**
 * A local copy of the company's customers (`qbo_customers`), refreshed by `qb-bridge sync-customers`, so
 * flows and the dashboard can match names and show pick lists without a QuickBooks call per row. All
 * customers are read, inactive included, paged 1000 at a time past any size.
 */

export interface CachedCustomer {
  id: string;
  displayName: string;
  active: boolean;
  email: string | null;
  companyName: string | null;
  balanceCents: number | null;
}

export interface CustomerSyncSummary {
  realmId: string;
  total: number;
  active: number;
  inactive: number;
  added: number;
  updated: number;
  removed: number;
  pages: number;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function email(row: Record<string, unknown>): string | null {
  const addr = row.PrimaryEmailAddr;
  return addr && typeof addr === 'object' ? str((addr as { Address?: unknown }).Address) : null;
}

function balance(value: unknown): number | null {
  if (typeof value !== 'number' && typeof value !== 'string') return null;
  try {
    return toCents(value);
  } catch {
    return null;
  }
}

export async function syncCustomers(
  client: QboClient,
  db: Db,
  now = new Date(),
): Promise<CustomerSyncSummary> {
  let pages = 0;
  const rows = await queryAll(client, 'Customer', 'Active IN (true, false)', { onPage: () => (pages += 1) });
  const realm = client.realmId;
  const syncedAt = now.toISOString();
  const known = new Map(
    (
      db.prepare('SELECT qbo_id, sync_token FROM qbo_customers WHERE realm_id = ?').all(realm) as Array<{
        qbo_id: string;
        sync_token: string | null;
      }>
    ).map((r) => [r.qbo_id, r.sync_token]),
  );
  const upsert = db.prepare(
    `INSERT INTO qbo_customers (realm_id, qbo_id, display_name, name_key, active, email, company_name, balance_cents, sync_token, synced_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (realm_id, qbo_id) DO UPDATE SET display_name = excluded.display_name, name_key = excluded.name_key,
       active = excluded.active, email = excluded.email, company_name = excluded.company_name,
       balance_cents = excluded.balance_cents, sync_token = excluded.sync_token, synced_at = excluded.synced_at`,
  );
  const summary: CustomerSyncSummary = {
    realmId: realm,
    total: rows.length,
    active: 0,
    inactive: 0,
    added: 0,
    updated: 0,
    removed: 0,
    pages,
  };
  db.transaction(() => {
    for (const row of rows) {
      const id = String(row.Id ?? '');
      if (id === '') continue;
      const displayName = String(row.DisplayName ?? '');
      const active = row.Active !== false;
      if (active) summary.active += 1;
      else summary.inactive += 1;
      const syncToken = row.SyncToken === undefined ? null : String(row.SyncToken);
      if (!known.has(id)) summary.added += 1;
      else if (known.get(id) !== syncToken) summary.updated += 1;
      upsert.run(
        realm,
        id,
        displayName,
        nameKey(displayName),
        active ? 1 : 0,
        email(row),
        str(row.CompanyName),
        balance(row.Balance),
        syncToken,
        syncedAt,
      );
    }
    // Customers QuickBooks no longer returns (merged or deleted) leave the cache.
    summary.removed = db
      .prepare('DELETE FROM qbo_customers WHERE realm_id = ? AND synced_at <> ?')
      .run(realm, syncedAt).changes;
  })();
  return summary;
}

function fromRow(row: {
  qbo_id: string;
  display_name: string;
  active: number;
  email: string | null;
  company_name: string | null;
  balance_cents: number | null;
}): CachedCustomer {
  return {
    id: row.qbo_id,
    displayName: row.display_name,
    active: row.active === 1,
    email: row.email,
    companyName: row.company_name,
    balanceCents: row.balance_cents,
  };
}

/** Customers in the local cache whose name matches (case, spacing and quote style ignored). */
export function cachedCustomersByName(db: Db, realmId: string, displayName: string): CachedCustomer[] {
  const rows = db
    .prepare('SELECT * FROM qbo_customers WHERE realm_id = ? AND name_key = ? ORDER BY active DESC, qbo_id')
    .all(realmId, nameKey(displayName)) as Parameters<typeof fromRow>[0][];
  return rows.map(fromRow);
}

export function cachedCustomerCount(db: Db, realmId: string): number {
  return Number(db.prepare('SELECT COUNT(*) FROM qbo_customers WHERE realm_id = ?').pluck().get(realmId));
}
