/**
 * The Zimbra flow's tables (migration owner `zimbra`). Usage is kept for every domain and CoS seen, mapped
 * or not (the seed dropped unmapped usage, so mapping a domain later could not bill it). Mappings, exclusions
 * and the invoices this tool made live here; QuickBooks' own state lives in the qbo ledger.
 */

import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';
import { defaultExclusions, globMatch } from './glob';
import type { FetchedReport } from './ssh/fetch';

export const zimbraMigrations: Migration[] = [
  {
    owner: 'zimbra',
    version: 1,
    name: 'reports, usage, domain and CoS mappings, exclusions, invoices',
    up: (db) => {
      db.exec(`
        CREATE TABLE zimbra_reports (
          name TEXT PRIMARY KEY,
          report_date TEXT NOT NULL,
          date_source TEXT NOT NULL,
          runs INTEGER NOT NULL,
          bad_lines INTEGER NOT NULL,
          bad_sample TEXT NOT NULL DEFAULT '[]',
          bytes INTEGER NOT NULL,
          source TEXT NOT NULL,
          fetched_at TEXT NOT NULL
        );
        CREATE TABLE zimbra_usage (
          report_date TEXT NOT NULL,
          domain TEXT NOT NULL,
          cos TEXT NOT NULL,
          account_count INTEGER NOT NULL CHECK (account_count >= 0),
          report_name TEXT NOT NULL,
          PRIMARY KEY (report_date, domain, cos)
        );
        CREATE INDEX zimbra_usage_domain ON zimbra_usage (domain, report_date);
        CREATE TABLE zimbra_domains (
          domain TEXT PRIMARY KEY,
          customer_id TEXT,
          customer_name TEXT,
          excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
          first_seen TEXT,
          last_seen TEXT,
          updated_at TEXT,
          updated_by TEXT
        );
        CREATE TABLE zimbra_cos (
          name TEXT PRIMARY KEY,
          item_id TEXT,
          item_name TEXT,
          quota_gb INTEGER CHECK (quota_gb IS NULL OR quota_gb >= 0),
          excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
          first_seen TEXT,
          last_seen TEXT,
          updated_at TEXT,
          updated_by TEXT
        );
        CREATE TABLE zimbra_exclusions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL CHECK (kind IN ('domain', 'cos')),
          pattern TEXT NOT NULL,
          reason TEXT NOT NULL DEFAULT '',
          active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
          created_at TEXT NOT NULL,
          UNIQUE (kind, pattern)
        );
        CREATE TABLE zimbra_invoices (
          realm_id TEXT NOT NULL,
          customer_id TEXT NOT NULL,
          period TEXT NOT NULL,
          doc_number TEXT NOT NULL,
          ledger_key TEXT NOT NULL,
          qbo_id TEXT,
          sync_token TEXT,
          generation INTEGER NOT NULL DEFAULT 0,
          state TEXT NOT NULL CHECK (state IN ('draft', 'sent', 'deleted')),
          total_cents INTEGER NOT NULL,
          line_count INTEGER NOT NULL,
          lines TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (realm_id, customer_id, period)
        );
      `);
      const insert = db.prepare(
        'INSERT INTO zimbra_exclusions (kind, pattern, reason, created_at) VALUES (?, ?, ?, ?)',
      );
      const now = new Date().toISOString();
      for (const e of defaultExclusions) insert.run(e.kind, e.pattern, e.reason, now);
    },
  },
];

export interface DomainRow {
  domain: string;
  customerId: string | null;
  customerName: string | null;
  excluded: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface CosRow {
  name: string;
  itemId: string | null;
  itemName: string | null;
  quotaGb: number | null;
  excluded: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface Exclusion {
  id: number;
  kind: 'domain' | 'cos';
  pattern: string;
  reason: string;
  active: boolean;
}

export interface InvoiceRecord {
  realmId: string;
  customerId: string;
  period: string;
  docNumber: string;
  ledgerKey: string;
  qboId: string | null;
  /** The SyncToken after our last write: a different one in QuickBooks means a person edited the invoice. */
  syncToken: string | null;
  /** Bumped when `zimbra undo` deleted the month's invoice, so a later run creates a new one (new ledger key). */
  generation: number;
  state: 'draft' | 'sent' | 'deleted';
  totalCents: number;
  lineCount: number;
  lines: unknown[];
  createdAt: string;
  updatedAt: string;
}

interface DomainSql {
  domain: string;
  customer_id: string | null;
  customer_name: string | null;
  excluded: number;
  first_seen: string | null;
  last_seen: string | null;
}

interface CosSql {
  name: string;
  item_id: string | null;
  item_name: string | null;
  quota_gb: number | null;
  excluded: number;
  first_seen: string | null;
  last_seen: string | null;
}

export class ZimbraStore {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Db) {}

  /** Prepared once per store object: a month's run asks the same few questions thousands of times. */
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Replaces the usage of one snapshot date with the report's, and notes every domain and CoS seen. */
  saveReport(report: FetchedReport, source: string): void {
    const now = new Date().toISOString();
    const { parsed } = report;
    this.db.transaction(() => {
      this.sql(
        `INSERT INTO zimbra_reports (name, report_date, date_source, runs, bad_lines, bad_sample, bytes, source, fetched_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET report_date = excluded.report_date, date_source = excluded.date_source,
             runs = excluded.runs, bad_lines = excluded.bad_lines, bad_sample = excluded.bad_sample,
             bytes = excluded.bytes, source = excluded.source, fetched_at = excluded.fetched_at`,
      ).run(
        report.name,
        report.date,
        parsed.dateSource ?? 'filename',
        parsed.runs,
        parsed.badLines.length,
        JSON.stringify(parsed.badLines.slice(0, 20)),
        report.bytes,
        source,
        now,
      );
      this.sql('DELETE FROM zimbra_usage WHERE report_name = ?').run(report.name);
      const usage = this.sql(
        `INSERT INTO zimbra_usage (report_date, domain, cos, account_count, report_name) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (report_date, domain, cos) DO UPDATE SET account_count = MAX(account_count, excluded.account_count)`,
      );
      const domain = this.sql(
        `INSERT INTO zimbra_domains (domain, first_seen, last_seen) VALUES (@name, @date, @date)
         ON CONFLICT (domain) DO UPDATE SET first_seen = MIN(COALESCE(first_seen, @date), @date),
           last_seen = MAX(COALESCE(last_seen, @date), @date)`,
      );
      const cos = this.sql(
        `INSERT INTO zimbra_cos (name, first_seen, last_seen) VALUES (@name, @date, @date)
         ON CONFLICT (name) DO UPDATE SET first_seen = MIN(COALESCE(first_seen, @date), @date),
           last_seen = MAX(COALESCE(last_seen, @date), @date)`,
      );
      const seenCos = new Set<string>();
      for (const [name, perCos] of parsed.usage) {
        domain.run({ name, date: report.date });
        for (const [cosName, count] of perCos) {
          usage.run(report.date, name, cosName, count, report.name);
          seenCos.add(cosName);
        }
      }
      for (const name of seenCos) cos.run({ name, date: report.date });
    })();
  }

  usageBetween(
    from: string,
    to: string,
  ): Array<{ reportDate: string; domain: string; cos: string; count: number }> {
    return this.sql(
      `SELECT report_date AS reportDate, domain, cos, account_count AS count FROM zimbra_usage
         WHERE report_date >= ? AND report_date < ? ORDER BY report_date, domain, cos`,
    ).all(from, to) as Array<{ reportDate: string; domain: string; cos: string; count: number }>;
  }

  /** Domains seen in a snapshot dated in `[from, to)` (also those listed with no accounts). */
  domainsSeenBetween(from: string, to: string): string[] {
    const rows = this.sql(
      `SELECT DISTINCT domain FROM zimbra_usage WHERE report_date >= ? AND report_date < ?
         UNION SELECT domain FROM zimbra_domains WHERE last_seen >= ? AND first_seen < ? ORDER BY 1`,
    ).all(from, to, from, to) as Array<{ domain: string }>;
    return rows.map((r) => r.domain);
  }

  reportsBetween(
    from: string,
    to: string,
  ): Array<{ name: string; reportDate: string; badLines: number; runs: number }> {
    return this.sql(
      `SELECT name, report_date AS reportDate, bad_lines AS badLines, runs FROM zimbra_reports
         WHERE report_date >= ? AND report_date < ? ORDER BY report_date, name`,
    ).all(from, to) as Array<{ name: string; reportDate: string; badLines: number; runs: number }>;
  }

  domains(): DomainRow[] {
    return (this.sql('SELECT * FROM zimbra_domains ORDER BY domain').all() as DomainSql[]).map(domainRow);
  }

  domain(name: string): DomainRow | undefined {
    const row = this.sql('SELECT * FROM zimbra_domains WHERE domain = ?').get(name) as DomainSql | undefined;
    return row && domainRow(row);
  }

  cosList(): CosRow[] {
    return (this.sql('SELECT * FROM zimbra_cos ORDER BY name').all() as CosSql[]).map(cosRow);
  }

  cos(name: string): CosRow | undefined {
    const row = this.sql('SELECT * FROM zimbra_cos WHERE name = ?').get(name) as CosSql | undefined;
    return row && cosRow(row);
  }

  setDomain(
    domain: string,
    change: { customerId: string; customerName: string } | { exclude: true },
    by: string,
  ): void {
    const now = new Date().toISOString();
    const mapped = 'customerId' in change;
    this.sql(
      `INSERT INTO zimbra_domains (domain, customer_id, customer_name, excluded, updated_at, updated_by)
         VALUES (@domain, @customerId, @customerName, @excluded, @now, @by)
         ON CONFLICT (domain) DO UPDATE SET customer_id = @customerId, customer_name = @customerName,
           excluded = @excluded, updated_at = @now, updated_by = @by`,
    ).run({
      domain,
      customerId: mapped ? change.customerId : null,
      customerName: mapped ? change.customerName : null,
      excluded: mapped ? 0 : 1,
      now,
      by,
    });
  }

  setCos(
    name: string,
    change:
      | { itemId: string; itemName: string; quotaGb: number | null }
      | { exclude: true }
      | { unmap: true },
    by: string,
  ): void {
    const now = new Date().toISOString();
    const mapped = 'itemId' in change;
    this.sql(
      `INSERT INTO zimbra_cos (name, item_id, item_name, quota_gb, excluded, updated_at, updated_by)
         VALUES (@name, @itemId, @itemName, @quotaGb, @excluded, @now, @by)
         ON CONFLICT (name) DO UPDATE SET item_id = @itemId, item_name = @itemName, quota_gb = @quotaGb,
           excluded = @excluded, updated_at = @now, updated_by = @by`,
    ).run({
      name,
      itemId: mapped ? change.itemId : null,
      itemName: mapped ? change.itemName : null,
      quotaGb: mapped ? change.quotaGb : null,
      excluded: 'exclude' in change ? 1 : 0,
      now,
      by,
    });
  }

  exclusions(): Exclusion[] {
    return (
      this.sql(
        'SELECT id, kind, pattern, reason, active FROM zimbra_exclusions ORDER BY kind, pattern',
      ).all() as Array<Omit<Exclusion, 'active'> & { active: number }>
    ).map((e) => ({ ...e, active: e.active === 1 }));
  }

  addExclusion(kind: 'domain' | 'cos', pattern: string, reason: string): void {
    this.sql(
      `INSERT INTO zimbra_exclusions (kind, pattern, reason, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, pattern) DO UPDATE SET active = 1, reason = excluded.reason`,
    ).run(kind, pattern, reason, new Date().toISOString());
  }

  /** The active exclusion pattern a name falls under, if any. */
  excludedBy(kind: 'domain' | 'cos', name: string, exclusions = this.exclusions()): Exclusion | undefined {
    return exclusions.find((e) => e.active && e.kind === kind && globMatch(e.pattern, name));
  }

  invoice(realmId: string, customerId: string, period: string): InvoiceRecord | undefined {
    const row = this.sql(
      'SELECT * FROM zimbra_invoices WHERE realm_id = ? AND customer_id = ? AND period = ?',
    ).get(realmId, customerId, period) as InvoiceSql | undefined;
    return row && invoiceRow(row);
  }

  invoices(realmId: string, period: string): InvoiceRecord[] {
    return (
      this.sql('SELECT * FROM zimbra_invoices WHERE realm_id = ? AND period = ? ORDER BY customer_id').all(
        realmId,
        period,
      ) as InvoiceSql[]
    ).map(invoiceRow);
  }

  /** Many at once, in one commit (a commit per row made a 1,000-invoice month wait on 1,000 disk syncs). */
  saveInvoices(records: ReadonlyArray<Omit<InvoiceRecord, 'createdAt' | 'updatedAt'>>): void {
    this.db.transaction(() => {
      for (const record of records) this.saveInvoice(record);
    })();
  }

  saveInvoice(record: Omit<InvoiceRecord, 'createdAt' | 'updatedAt'>): void {
    const now = new Date().toISOString();
    this.sql(
      `INSERT INTO zimbra_invoices (realm_id, customer_id, period, doc_number, ledger_key, qbo_id, sync_token, generation, state,
           total_cents, line_count, lines, created_at, updated_at)
         VALUES (@realmId, @customerId, @period, @docNumber, @ledgerKey, @qboId, @syncToken, @generation, @state, @totalCents,
           @lineCount, @lines, @now, @now)
         ON CONFLICT (realm_id, customer_id, period) DO UPDATE SET doc_number = @docNumber, ledger_key = @ledgerKey,
           qbo_id = @qboId, sync_token = @syncToken, generation = @generation, state = @state, total_cents = @totalCents, line_count = @lineCount, lines = @lines, updated_at = @now`,
    ).run({ ...record, lines: JSON.stringify(record.lines), now });
  }
}

interface InvoiceSql {
  realm_id: string;
  customer_id: string;
  period: string;
  doc_number: string;
  ledger_key: string;
  qbo_id: string | null;
  sync_token: string | null;
  generation: number;
  state: InvoiceRecord['state'];
  total_cents: number;
  line_count: number;
  lines: string;
  created_at: string;
  updated_at: string;
}

function invoiceRow(row: InvoiceSql): InvoiceRecord {
  return {
    realmId: row.realm_id,
    customerId: row.customer_id,
    period: row.period,
    docNumber: row.doc_number,
    ledgerKey: row.ledger_key,
    qboId: row.qbo_id,
    syncToken: row.sync_token,
    generation: row.generation,
    state: row.state,
    totalCents: row.total_cents,
    lineCount: row.line_count,
    lines: JSON.parse(row.lines) as unknown[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function domainRow(row: DomainSql): DomainRow {
  return {
    domain: row.domain,
    customerId: row.customer_id,
    customerName: row.customer_name,
    excluded: row.excluded === 1,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  };
}

function cosRow(row: CosSql): CosRow {
  return {
    name: row.name,
    itemId: row.item_id,
    itemName: row.item_name,
    quotaGb: row.quota_gb,
    excluded: row.excluded === 1,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  };
}
