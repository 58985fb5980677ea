import type { BillStatus, SyncMode } from '../../../shared/src/sheets/columns';
import type { RowResult, SheetRowInput } from '../../../shared/src/sheets/contract';
import type { Directions } from '../../../shared/src/sheets/directions';
import { groupRows, type RowGroup } from '../../../shared/src/sheets/group';
import { normalizeRow } from '../../../shared/src/sheets/normalize-row';

/**
 * The pure step between rows and QuickBooks: every row checked, money-out rows skipped in invoice_only
 * mode (with the reason), the rest grouped by invoice number. What comes out either already has its
 * final result (failed / skipped) or is a group ready to be written.
 */
export interface SheetSettings {
  mode: SyncMode;
  eligibleStatuses: string[];
  directions: Directions;
  docPrefix: string;
  itemId: string | undefined;
  expenseAccountId: string | undefined;
}

export interface Plan {
  settled: RowResult[];
  groups: RowGroup[];
  /** Warnings found while normalizing, by row id, to carry into the row's final result. */
  warnings: Map<string, string[]>;
}

export const billsOffReason =
  'Money out (a bill to record), but bills are off: SHEETS_SYNC_MODE=invoice_only (QuickBooks Simple Start has no bills). Nothing was created; switch the sync mode to dual after upgrading to Essentials or Plus.';

export function planRows(rows: readonly SheetRowInput[], settings: SheetSettings, today: string): Plan {
  const settled: RowResult[] = [];
  const warnings = new Map<string, string[]>();
  const ok = [];
  for (const input of rows) {
    const check = normalizeRow(input, {
      directions: settings.directions,
      docPrefix: settings.docPrefix,
      today,
    });
    if (!check.ok) {
      settled.push({
        rowId: input.rowId,
        sheetRow: input.sheetRow,
        status: 'failed',
        error: check.errors.join('; '),
        warnings: [],
        ...(check.direction ? { direction: check.direction } : {}),
        ...(check.direction === 'money_out'
          ? { billStatus: 'failed' as const, billError: check.errors.join('; ') }
          : {}),
      });
      continue;
    }
    warnings.set(check.row.rowId, check.row.warnings);
    if (check.row.direction === 'money_out' && settings.mode === 'invoice_only') {
      settled.push({
        rowId: input.rowId,
        sheetRow: input.sheetRow,
        status: 'skipped',
        direction: 'money_out',
        docNumber: check.row.docNumber,
        error: billsOffReason,
        billStatus: 'skipped',
        billError: billsOffReason,
        warnings: check.row.warnings,
      });
      continue;
    }
    ok.push(check.row);
  }
  const { groups, errors } = groupRows(ok);
  for (const row of ok) {
    const problem = errors.get(row.rowId);
    if (problem) {
      settled.push({
        rowId: row.rowId,
        sheetRow: row.sheetRow,
        status: 'failed',
        direction: row.direction,
        docNumber: row.docNumber,
        error: problem,
        warnings: row.warnings,
        ...(row.direction === 'money_out' ? { billStatus: 'failed' as const, billError: problem } : {}),
      });
    }
  }
  const usable: RowGroup[] = [];
  for (const g of groups) {
    const missing =
      g.direction === 'money_in'
        ? settings.itemId
          ? undefined
          : 'The gateway has no QBO_DEFAULT_ITEM_ID (the product/service invoice lines use); ask its administrator to set it'
        : settings.expenseAccountId
          ? undefined
          : 'The gateway has no QBO_DEFAULT_EXPENSE_ACCOUNT_ID (the expense account bills are booked to); ask its administrator to set it';
    if (!missing) {
      usable.push(g);
      continue;
    }
    for (const r of g.rows)
      settled.push(groupResult(g, r.rowId, r.sheetRow, { status: 'failed', error: missing }, r.warnings));
  }
  return { settled, groups: usable, warnings };
}

export interface GroupOutcome {
  status: RowResult['status'];
  error?: string;
  qboId?: string;
  url?: string;
  syncedAt?: string;
  /** The bill's own state when it is not the row's (`paid`, or its payment's state on a payment pass). */
  billStatus?: BillStatus;
}

/** One row's result for a group outcome; bill rows also fill the bill columns. */
export function groupResult(
  group: RowGroup,
  rowId: string,
  sheetRow: number,
  outcome: GroupOutcome,
  warnings: string[],
): RowResult {
  const result: RowResult = {
    rowId,
    sheetRow,
    status: outcome.status,
    direction: group.direction,
    docNumber: group.docNumber,
    warnings,
  };
  if (outcome.error) result.error = outcome.error;
  if (outcome.syncedAt) result.syncedAt = outcome.syncedAt;
  if (group.direction === 'money_out') {
    if (outcome.qboId) result.billId = outcome.qboId;
    if (outcome.url) result.billUrl = outcome.url;
    if (outcome.billStatus) result.billStatus = outcome.billStatus;
    else if (outcome.status !== 'ok') result.billStatus = outcome.status;
    if (outcome.error) result.billError = outcome.error;
  } else {
    if (outcome.qboId) result.invoiceId = outcome.qboId;
    if (outcome.url) result.invoiceUrl = outcome.url;
  }
  return result;
}
