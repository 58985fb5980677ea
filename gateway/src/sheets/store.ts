import type { RowResult } from '../../../shared/src/sheets/contract';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';
import { customerMapMigrations } from './customer-map';

/**
 * The sheet flow's tables (owner `sheets.jobs`): which request each job answered (its fingerprint makes a
 * re-submit of the same rows with the same content return the same job), the per-row results the add-on
 * polls and writes back, and one audit row per QuickBooks object (seed 001's `qb_invoice_audit`, for
 * bills too). The customer-mapping table is in `customer-map.ts`.
 */
export const sheetsMigrations: Migration[] = [
  {
    owner: 'sheets.jobs',
    version: 1,
    name: 'sheet jobs, per-row results, audit',
    up: `
      CREATE TABLE sheets_jobs (
        job_id TEXT PRIMARY KEY REFERENCES jobs (id),
        spreadsheet_id TEXT NOT NULL,
        sheet_name TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX sheets_jobs_fingerprint ON sheets_jobs (spreadsheet_id, fingerprint);
      CREATE TABLE sheets_results (
        job_id TEXT NOT NULL,
        row_id TEXT NOT NULL,
        sheet_row INTEGER NOT NULL,
        status TEXT NOT NULL,
        result TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (job_id, row_id)
      );
      CREATE TABLE sheets_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        job_id TEXT,
        spreadsheet_id TEXT NOT NULL,
        sheet_name TEXT NOT NULL,
        row_ids TEXT NOT NULL,
        entity TEXT NOT NULL,
        ledger_key TEXT NOT NULL,
        doc_number TEXT NOT NULL,
        payload_hash TEXT,
        qbo_id TEXT,
        request_id TEXT,
        outcome TEXT NOT NULL,
        message TEXT
      );
      CREATE INDEX sheets_audit_sheet ON sheets_audit (spreadsheet_id, at);
    `,
  },
  ...customerMapMigrations,
];

export interface SheetsAuditEntry {
  jobId: string | null;
  spreadsheetId: string;
  sheetName: string;
  rowIds: string[];
  entity: string;
  ledgerKey: string;
  docNumber: string;
  payloadHash: string | null;
  qboId: string | null;
  requestId: string | null;
  outcome: string;
  message: string | null;
}

export class SheetsStore {
  constructor(private readonly db: Db) {}

  recordJob(jobId: string, spreadsheetId: string, sheetName: string, fingerprint: string): void {
    this.db
      .prepare(
        'INSERT INTO sheets_jobs (job_id, spreadsheet_id, sheet_name, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(jobId, spreadsheetId, sheetName, fingerprint, new Date().toISOString());
  }

  /** The latest job for the same rows and content that did not fail or get cancelled. */
  jobForFingerprint(spreadsheetId: string, fingerprint: string): string | undefined {
    const row = this.db
      .prepare(
        `SELECT s.job_id FROM sheets_jobs s JOIN jobs j ON j.id = s.job_id
         WHERE s.spreadsheet_id = ? AND s.fingerprint = ? AND j.state IN ('queued', 'running', 'done')
         ORDER BY s.created_at DESC LIMIT 1`,
      )
      .get(spreadsheetId, fingerprint) as { job_id: string } | undefined;
    return row?.job_id;
  }

  spreadsheetOf(jobId: string): string | undefined {
    const row = this.db.prepare('SELECT spreadsheet_id FROM sheets_jobs WHERE job_id = ?').get(jobId) as
      | { spreadsheet_id: string }
      | undefined;
    return row?.spreadsheet_id;
  }

  saveResults(jobId: string, results: readonly RowResult[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO sheets_results (job_id, row_id, sheet_row, status, result, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id, row_id) DO UPDATE SET status = excluded.status, result = excluded.result,
         updated_at = excluded.updated_at`,
    );
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const r of results) stmt.run(jobId, r.rowId, r.sheetRow, r.status, JSON.stringify(r), now);
    })();
  }

  results(jobId: string): RowResult[] {
    const rows = this.db
      .prepare('SELECT result FROM sheets_results WHERE job_id = ? ORDER BY sheet_row, row_id')
      .all(jobId) as Array<{ result: string }>;
    return rows.map((r) => JSON.parse(r.result) as RowResult);
  }

  audit(entry: SheetsAuditEntry): void {
    this.db
      .prepare(
        `INSERT INTO sheets_audit (at, job_id, spreadsheet_id, sheet_name, row_ids, entity, ledger_key, doc_number,
           payload_hash, qbo_id, request_id, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        new Date().toISOString(),
        entry.jobId,
        entry.spreadsheetId,
        entry.sheetName,
        entry.rowIds.join(','),
        entry.entity,
        entry.ledgerKey,
        entry.docNumber,
        entry.payloadHash,
        entry.qboId,
        entry.requestId,
        entry.outcome,
        entry.message,
      );
  }

  auditRows(spreadsheetId: string): Array<Record<string, unknown>> {
    return this.db
      .prepare('SELECT * FROM sheets_audit WHERE spreadsheet_id = ? ORDER BY id')
      .all(spreadsheetId) as Array<Record<string, unknown>>;
  }
}
