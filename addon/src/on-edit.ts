/**
 * The installable onEdit trigger (created from the settings form, runs as its creator in FULL mode): a row
 * whose `status` becomes ready is synced at once (a short run; the rest continues on the next run), and
 * a row edited after it synced is flagged in qb_error — QuickBooks keeps the old version and qb-bridge
 * never creates it twice. A paid date typed on a synced bill's row is not such an edit: that row is sent
 * for its payment (QBO_AUTO_MARK_BILL_PAID, decided by the gateway).
 */
import { headerIndex, headerKey } from '../../shared/src/sheets/columns';
import type { RowResult } from '../../shared/src/sheets/contract';
import { readSettings } from './settings';
import { runSync } from './sync';
import { writeResults } from './table';

export function handleEdit(e: GoogleAppsScript.Events.SheetsOnEdit | undefined): void {
  if (!e?.range) return;
  const settings = readSettings();
  if (!settings.gatewayUrl) return;
  const range = e.range;
  const sheet = range.getSheet();
  if (sheet.getName() !== settings.sheetName) return;
  const first = Math.max(range.getRow(), 2);
  const last = range.getRow() + range.getNumRows() - 1;
  if (last < 2) return;
  const lastColumn = sheet.getLastColumn();
  const headers = sheet.getRange(1, 1, 1, lastColumn).getValues()[0]!.map(String);
  const index = headerIndex(headers);
  const edited = new Set<string>();
  for (let c = range.getColumn(); c < range.getColumn() + range.getNumColumns(); c++)
    edited.add(headerKey(headers[c - 1]));
  const userEdit = [...edited].some((h) => !h.startsWith('qb_'));
  if (!userEdit) return;
  // A paid date typed (or cleared) on a synced bill does not change the bill: it is its payment's business.
  const paidDateOnly = [...edited].every((h) => h === 'inv_paid_date' || h.startsWith('qb_'));
  const rows = sheet.getRange(first, 1, last - first + 1, lastColumn).getValues();
  const at = (name: string, row: unknown[]) => {
    const i = index.get(name);
    return i === undefined ? '' : String(row[i] ?? '').trim();
  };
  const changed: RowResult[] = [];
  const ready = new Set<number>();
  const statuses = settings.eligibleStatuses.map(headerKey);
  rows.forEach((row, i) => {
    const sheetRow = first + i;
    const state = headerKey(at('qb_sync_status', row));
    if (paidDateOnly && at('qb_bill_id', row) !== '') {
      ready.add(sheetRow);
      return;
    }
    if (state === 'synced' && at('qb_row_id', row) !== '') {
      const id = at('qb_invoice_id', row) || at('qb_bill_id', row);
      changed.push({
        rowId: at('qb_row_id', row),
        sheetRow,
        status: 'synced',
        error: `Changed after it was synced${at('qb_synced_at', row) ? ` on ${at('qb_synced_at', row)}` : ''}: QuickBooks still has the old version${id ? ` (Id ${id})` : ''}; change it in QuickBooks too — qb-bridge will not create it again`,
        warnings: [],
      });
      return;
    }
    if (edited.has('status') && state !== 'synced' && state !== 'skipped') {
      const status = headerKey(at('status', row));
      if (status !== '' && (statuses.length === 0 || statuses.includes(status))) ready.add(sheetRow);
    }
  });
  if (changed.length > 0) writeResults(sheet, changed);
  if (ready.size > 0) runSync({ rows: ready, budgetMs: Math.min(settings.timeBudgetMs, 60_000) });
}
