/**
 * The `inv_tbl` columns qb-bridge reads and the `qb_*` columns it writes back (design.md "Sheet columns").
 * Columns are found by header name in the live header row, never by position: matching ignores case,
 * surrounding spaces and the `owed2ACD`/`owed2acd` spelling drift the seed itself has.
 */

/** Source columns the mapping reads (seed 001 data-mapping table). */
export const sourceColumns = [
  'invoice',
  'inv_link',
  'submitted_date',
  'Inv_paid_date',
  'job_start',
  'Job_end',
  'to_client',
  'broker_chain',
  'inv_from',
  'end_client',
  'job_name',
  'task_descr',
  'status',
  'inv_dollars',
  'owed2acd',
  'owed2workers',
  'thread',
  'notes',
] as const;
export type SourceColumn = (typeof sourceColumns)[number];

export const invoiceColumns = [
  'qb_row_id',
  'qb_invoice_id',
  'qb_invoice_url',
  'qb_sync_status',
  'qb_synced_at',
  'qb_error',
] as const;
export const billColumns = ['qb_bill_id', 'qb_bill_url', 'qb_bill_status', 'qb_bill_error'] as const;
export type QbColumn = (typeof invoiceColumns)[number] | (typeof billColumns)[number];

export type SyncMode = 'invoice_only' | 'dual';

/** The `qb_*` columns a mode writes, in the order they are appended at the far right. */
export function qbColumnsFor(mode: SyncMode): QbColumn[] {
  return mode === 'dual' ? [...invoiceColumns, ...billColumns] : [...invoiceColumns];
}

export const syncStatuses = ['pending', 'queued', 'processing', 'synced', 'failed', 'skipped'] as const;
export type SyncStatus = (typeof syncStatuses)[number];

/**
 * `qb_bill_status` takes the `qb_sync_status` values plus `paid`: QuickBooks holds the bill AND the
 * BillPayment qb-bridge recorded for it (QBO_AUTO_MARK_BILL_PAID). A type of its own, so `paid` can never
 * reach `qb_sync_status`, whose values design.md fixes.
 */
export const billStatuses = [...syncStatuses, 'paid'] as const;
export type BillStatus = (typeof billStatuses)[number];

/** The key a header is matched by. */
export function headerKey(header: unknown): string {
  return String(header ?? '')
    .trim()
    .toLowerCase();
}

/**
 * Header name → 0-based column index for the live header row. The first occurrence of a name wins, so a
 * second column that happens to repeat a header is never written to.
 */
export function headerIndex(headers: readonly unknown[]): Map<string, number> {
  const index = new Map<string, number>();
  headers.forEach((h, i) => {
    const key = headerKey(h);
    if (key !== '' && !index.has(key)) index.set(key, i);
  });
  return index;
}

/** The `qb_*` columns of `mode` missing from the header row: appended once, at the far right. */
export function missingQbColumns(headers: readonly unknown[], mode: SyncMode): QbColumn[] {
  const index = headerIndex(headers);
  return qbColumnsFor(mode).filter((c) => !index.has(headerKey(c)));
}
