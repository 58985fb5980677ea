import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';

/**
 * The gateway's customer-mapping table (seed 001 data-mapping table: "maintain a lookup table to map sheet
 * client names to QuickBooks Customer IDs"): a `to_client`/`end_client` text → the QuickBooks customer Id,
 * per company. Find-or-create records every name it settles here (`found` / `created`), so the next run
 * costs no lookup; an accountant corrects a wrong match on the dashboard's Sheets page (`edited`).
 *
 * The sheet's own `qb_customers` tab wins over this table: it is what the person who owns the spreadsheet
 * typed for that spreadsheet, while this table is a gateway-wide memory of earlier matches.
 */
export const customerMapMigrations: Migration[] = [
  {
    owner: 'sheets.customers',
    version: 1,
    name: 'sheet client name to QuickBooks customer mapping',
    up: `
      CREATE TABLE sheets_customer_map (
        realm_id TEXT NOT NULL,
        name_key TEXT NOT NULL,
        sheet_name TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        customer_name TEXT,
        source TEXT NOT NULL CHECK (source IN ('found', 'created', 'edited')),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (realm_id, name_key)
      );
    `,
  },
];

export type CustomerMapSource = 'found' | 'created' | 'edited';

export interface CustomerMapping {
  realmId: string;
  sheetName: string;
  customerId: string;
  customerName: string | null;
  source: CustomerMapSource;
  updatedAt: string;
  updatedBy: string;
}

/** How a client name is matched: case, surrounding and repeated spaces do not make a different client. */
export function clientKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

interface Row {
  realm_id: string;
  sheet_name: string;
  customer_id: string;
  customer_name: string | null;
  source: CustomerMapSource;
  updated_at: string;
  updated_by: string;
}

const toMapping = (r: Row): CustomerMapping => ({
  realmId: r.realm_id,
  sheetName: r.sheet_name,
  customerId: r.customer_id,
  customerName: r.customer_name,
  source: r.source,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

export class CustomerMap {
  constructor(private readonly db: Db) {}

  /** Id per client key for the given names (one query, whatever the number of rows). */
  lookup(realmId: string, names: readonly string[]): Map<string, string> {
    const keys = [...new Set(names.map(clientKey))];
    const out = new Map<string, string>();
    if (keys.length === 0) return out;
    const stmt = this.db.prepare(
      'SELECT name_key, customer_id FROM sheets_customer_map WHERE realm_id = ? AND name_key IN (SELECT value FROM json_each(?))',
    );
    for (const r of stmt.all(realmId, JSON.stringify(keys)) as Array<{
      name_key: string;
      customer_id: string;
    }>)
      out.set(r.name_key, r.customer_id);
    return out;
  }

  /** What find-or-create settled; an accountant's edit is never overwritten by a later match. */
  remember(
    realmId: string,
    sheetName: string,
    customer: { id: string; name: string | null },
    source: 'found' | 'created',
  ): void {
    this.db
      .prepare(
        `INSERT INTO sheets_customer_map (realm_id, name_key, sheet_name, customer_id, customer_name, source, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'sync')
         ON CONFLICT (realm_id, name_key) DO UPDATE SET customer_id = excluded.customer_id,
           customer_name = excluded.customer_name, source = excluded.source, updated_at = excluded.updated_at,
           updated_by = excluded.updated_by
         WHERE sheets_customer_map.source <> 'edited'`,
      )
      .run(
        realmId,
        clientKey(sheetName),
        sheetName.trim(),
        customer.id,
        customer.name,
        source,
        new Date().toISOString(),
      );
  }

  /** An accountant's mapping; `customerName` when QuickBooks was asked, else the old name if the Id stayed. */
  edit(
    realmId: string,
    sheetName: string,
    customerId: string,
    by: string,
    customerName: string | null = null,
  ): CustomerMapping {
    this.db
      .prepare(
        `INSERT INTO sheets_customer_map (realm_id, name_key, sheet_name, customer_id, customer_name, source, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, 'edited', ?, ?)
         ON CONFLICT (realm_id, name_key) DO UPDATE SET customer_id = excluded.customer_id,
           customer_name = COALESCE(excluded.customer_name, CASE WHEN sheets_customer_map.customer_id = excluded.customer_id
             THEN sheets_customer_map.customer_name ELSE NULL END),
           source = 'edited', updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(
        realmId,
        clientKey(sheetName),
        sheetName.trim(),
        customerId,
        customerName,
        new Date().toISOString(),
        by,
      );
    return this.get(realmId, sheetName)!;
  }

  get(realmId: string, sheetName: string): CustomerMapping | undefined {
    const row = this.db
      .prepare('SELECT * FROM sheets_customer_map WHERE realm_id = ? AND name_key = ?')
      .get(realmId, clientKey(sheetName)) as Row | undefined;
    return row ? toMapping(row) : undefined;
  }

  remove(realmId: string, sheetName: string): boolean {
    return (
      this.db
        .prepare('DELETE FROM sheets_customer_map WHERE realm_id = ? AND name_key = ?')
        .run(realmId, clientKey(sheetName)).changes > 0
    );
  }

  count(realmId: string | null): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n FROM sheets_customer_map WHERE (? IS NULL OR realm_id = ?)')
      .get(realmId, realmId) as { n: number };
    return row.n;
  }

  /** One page, by client name. `realmId` null lists every company's rows. */
  page(realmId: string | null, offset: number, limit: number): CustomerMapping[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM sheets_customer_map WHERE (? IS NULL OR realm_id = ?)
         ORDER BY name_key, realm_id LIMIT ? OFFSET ?`,
      )
      .all(realmId, realmId, limit, offset) as Row[];
    return rows.map(toMapping);
  }
}
