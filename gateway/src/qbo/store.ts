import type { Migration } from '../store/migrations';

/**
 * Tables of the QBO client: the exactly-once ledger, the local copy of the company's customers and the
 * per-realm rate budget every process shares.
 * The ledger is keyed by (realm, flow key, entity) — one flow row may produce an Invoice and a Bill — and
 * its requestid is unique so no two intents can ever share one.
 */
export const qboClientMigrations: Migration[] = [
  {
    owner: 'qbo.client',
    version: 1,
    name: 'exactly-once ledger and customer cache',
    up: `
      CREATE TABLE qbo_ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        realm_id TEXT NOT NULL,
        flow_key TEXT NOT NULL,
        entity TEXT NOT NULL,
        request_id TEXT NOT NULL UNIQUE,
        payload_hash TEXT NOT NULL,
        payload TEXT NOT NULL,
        lookup_doc_number TEXT,
        lookup_display_name TEXT,
        state TEXT NOT NULL CHECK (state IN ('planned', 'sent', 'created', 'rejected', 'unknown')),
        qbo_id TEXT,
        sync_token TEXT,
        adopted INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        intuit_tid TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (realm_id, flow_key, entity)
      );
      CREATE INDEX qbo_ledger_state ON qbo_ledger (realm_id, state);
      CREATE INDEX qbo_ledger_doc ON qbo_ledger (realm_id, entity, lookup_doc_number);

      CREATE TABLE qbo_customers (
        realm_id TEXT NOT NULL,
        qbo_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        active INTEGER NOT NULL,
        email TEXT,
        company_name TEXT,
        balance_cents INTEGER,
        sync_token TEXT,
        synced_at TEXT NOT NULL,
        PRIMARY KEY (realm_id, qbo_id)
      );
      CREATE INDEX qbo_customers_name ON qbo_customers (realm_id, name_key);
    `,
  },
  {
    owner: 'qbo.client',
    version: 2,
    name: 'ledger lookup by customer/vendor and date (transactions QuickBooks numbers itself)',
    // A transaction without a DocNumber of ours is found again by its party and date, then by the marker
    // in PrivateNote; both columns are NULL for DocNumber and DisplayName lookups.
    up: `
      ALTER TABLE qbo_ledger ADD COLUMN lookup_party_ref TEXT;
      ALTER TABLE qbo_ledger ADD COLUMN lookup_txn_date TEXT;
    `,
  },
  {
    owner: 'qbo.client',
    version: 3,
    name: 'ledger: who sent a row (a sent row belongs to its sender until its request can no longer be in flight)',
    // NULL for rows sent before this column existed: they are treated as anyone else's, so they are taken
    // over only once their sent_at is older than the lease.
    up: `
      ALTER TABLE qbo_ledger ADD COLUMN sent_by TEXT;
    `,
  },
  {
    owner: 'qbo.client',
    version: 4,
    name: 'rate budget per realm shared by every process (limiter buckets and the 429 pause)',
    // One row per realm: the three token buckets of limiter.ts and the end of a throttle pause, all in
    // wall-clock milliseconds so `serve` and a CLI command on the same store draw from one budget.
    up: `
      CREATE TABLE qbo_rate_budget (
        realm_id TEXT PRIMARY KEY,
        minute_tokens REAL NOT NULL,
        second_tokens REAL NOT NULL,
        batch_tokens REAL NOT NULL,
        updated_ms INTEGER NOT NULL,
        throttled_until_ms INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    owner: 'qbo.client',
    version: 5,
    name: 'ledger: when a row was last sent without a requestid (a /batch item), so its resend waits until that send is provably over',
    // NULL for rows never sent in a batch. A row with a recent value stays `unknown` until a lookup that
    // began after unprotected_at + the horizon found nothing (ledger.ts `replanAfterLookup`).
    up: `
      ALTER TABLE qbo_ledger ADD COLUMN unprotected_at TEXT;
    `,
  },
];

/** The table of `exactly-once/update-once.ts`: one row per intended update or delete of an existing object. */
export const qboUpdateMigrations: Migration[] = [
  {
    owner: 'qbo.updates',
    version: 1,
    name: 'exactly-once updates and deletes of existing objects',
    up: `
      CREATE TABLE qbo_updates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        realm_id TEXT NOT NULL,
        update_key TEXT NOT NULL,
        entity TEXT NOT NULL,
        qbo_id TEXT NOT NULL,
        operation TEXT NOT NULL CHECK (operation IN ('update', 'delete')),
        state TEXT NOT NULL CHECK (state IN ('planned', 'sent', 'done', 'refused')),
        request_id TEXT,
        sync_token TEXT,
        message TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (realm_id, update_key)
      );
    `,
  },
];
