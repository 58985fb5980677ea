/**
 * The HTTP contract between the add-on and the gateway's `/api/sheets/*` (inside the usual envelope).
 * Rows travel as header name → cell value for the columns the mapping reads plus the `qb_*` state
 * columns; the gateway never sees a row number as identity — `rowId` (the `qb_row_id` cell) is.
 */
import type { BillStatus, SyncMode, SyncStatus } from './columns';

export type CellValue = string | number | boolean | null;

export interface SheetRowInput {
  /** The row's `qb_row_id`: stable across sorts and inserts. */
  rowId: string;
  /** 1-based sheet row when read, for messages only. */
  sheetRow: number;
  /** Header key (lowercase) → value; Date cells arrive as ISO `YYYY-MM-DD`. */
  values: Record<string, CellValue>;
}

export interface SyncOptions {
  mode?: SyncMode;
  /** Statuses that make a row ready; the gateway's SHEETS_ELIGIBLE_STATUSES when absent. */
  eligibleStatuses?: string[];
  includeFailed?: boolean;
  /**
   * Rows QuickBooks refused before are sent once more (the user fixed the cause in QuickBooks); implies
   * `includeFailed`. Refused rows whose cause is provably gone are retried without it.
   */
  retryRejected?: boolean;
  /** Also rows already paid (`status` paid or `Inv_paid_date` filled) that never reached QuickBooks. */
  backfill?: boolean;
  limit?: number;
  dryRun?: boolean;
}

export interface SheetsRequest {
  spreadsheetId: string;
  sheetName: string;
  rows: SheetRowInput[];
  /** From the `qb_customers` tab: sheet client name → QuickBooks customer name (or numeric Id). */
  customers?: Record<string, string>;
  options?: SyncOptions;
}

/** What happened to one row (validate: `ok`/`failed`/`skipped`; jobs: final states or `pending`). */
export interface RowResult {
  rowId: string;
  sheetRow: number;
  status: SyncStatus | 'ok';
  docNumber?: string;
  direction?: 'money_in' | 'money_out';
  invoiceId?: string;
  invoiceUrl?: string;
  billId?: string;
  billUrl?: string;
  billStatus?: BillStatus;
  billError?: string;
  error?: string;
  warnings: string[];
  syncedAt?: string;
}

export interface JobView {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  dryRun: boolean;
  total: number | null;
  done: number;
  failed: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  results: RowResult[];
}

export interface JobAccepted {
  jobId: string;
  state: JobView['state'];
  /** True when the same rows with the same content were already submitted: the earlier job is returned. */
  reused: boolean;
  accepted: number;
  notEligible: RowResult[];
}

export interface StatusView {
  gateway: { version: string };
  quickbooks: {
    connected: boolean;
    companyName: string | null;
    realmId: string | null;
    reconnectNeeded: boolean;
    message: string | null;
  };
  mode: SyncMode;
  eligibleStatuses: string[];
  activeJob: { id: string; total: number | null; done: number; failed: number } | null;
  lastJob: { id: string; state: string; finishedAt: string | null; done: number; failed: number } | null;
  /** Which other flows are configured on the gateway: the sidebar shows a panel for each. */
  flows: { mis: boolean; zimbra: boolean; qbwc: boolean };
}
