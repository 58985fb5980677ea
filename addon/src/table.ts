/**
 * Sheet I/O with a fixed number of range calls: the table is read with one getValues(); `qb_*` columns
 * are found by header name wherever they stand and the missing ones appended once at the far right; each
 * write pass reads and writes each contiguous block of `qb_*` columns once, whatever the number of rows.
 * User columns are never written. Text is written into plain-text cells and formula-looking text is
 * escaped, so a client called "=HYPERLINK(…)" stays text.
 */
import {
  headerIndex,
  headerKey,
  missingQbColumns,
  type QbColumn,
  type SyncMode,
  sourceColumns,
} from '../../shared/src/sheets/columns';
import type { CellValue, RowResult, SheetRowInput } from '../../shared/src/sheets/contract';

type Sheet = GoogleAppsScript.Spreadsheet.Sheet;

export interface Table {
  sheet: Sheet;
  headers: string[];
  index: Map<string, number>;
  /** Data rows (sheet row 2 onwards), as read. */
  rows: unknown[][];
}

export function readTable(sheet: Sheet): Table {
  const lastRow = sheet.getLastRow();
  const lastColumn = sheet.getLastColumn();
  if (lastRow < 1 || lastColumn < 1) return { sheet, headers: [], index: new Map(), rows: [] };
  const values = sheet.getRange(1, 1, lastRow, lastColumn).getValues();
  const headers = (values[0] ?? []).map((h) => String(h ?? ''));
  return { sheet, headers, index: headerIndex(headers), rows: values.slice(1) };
}

/** Appends the missing `qb_*` headers in one call and makes them plain-text columns. */
export function ensureQbColumns(table: Table, mode: SyncMode): QbColumn[] {
  const missing = missingQbColumns(table.headers, mode);
  if (missing.length === 0) return missing;
  const start = table.headers.length + 1;
  table.sheet.getRange(1, start, 1, missing.length).setValues([missing]);
  table.sheet.getRange(1, start, Math.max(table.rows.length + 1, 2), missing.length).setNumberFormat('@');
  for (const [i, name] of missing.entries()) {
    table.headers.push(name);
    table.index.set(name, start - 1 + i);
  }
  for (const row of table.rows) while (row.length < table.headers.length) row.push('');
  return missing;
}

let sequence = 0;
/** Time-ordered ids, so the smallest id of an invoice's rows is its oldest row and does not move. */
export function newRowId(): string {
  sequence = (sequence + 1) % 1_679_616;
  const random = Math.floor(Math.random() * 1_679_616)
    .toString(36)
    .padStart(4, '0');
  return `${Date.now().toString(36)}${sequence.toString(36).padStart(4, '0')}${random}`;
}

const blank = (v: unknown) => v === '' || v === null || v === undefined;

/** Gives every non-empty row without one a `qb_row_id`; the column is written once. Returns how many. */
export function assignRowIds(table: Table): number {
  const col = table.index.get('qb_row_id');
  if (col === undefined) throw new Error('qb_row_id column missing');
  let assigned = 0;
  const seen = new Set<string>();
  for (const row of table.rows) {
    const hasContent = row.some(
      (v, i) => i !== col && !blank(v) && !headerKey(table.headers[i]).startsWith('qb_'),
    );
    const id = String(row[col] ?? '').trim();
    // A copied row brings its id along: the second copy gets a fresh one (results must land on one row).
    if (hasContent && (id === '' || seen.has(id))) {
      row[col] = newRowId();
      assigned++;
    }
    if (String(row[col] ?? '') !== '') seen.add(String(row[col]));
  }
  if (assigned > 0 && table.rows.length > 0) {
    const range = table.sheet.getRange(2, col + 1, table.rows.length, 1);
    range.setNumberFormat('@');
    range.setValues(table.rows.map((r) => [r[col] ?? '']));
  }
  return assigned;
}

/** Date cells become ISO dates in the spreadsheet's time zone; other values go as they are. */
function cellValue(value: unknown, timeZone: string): CellValue {
  if (Object.prototype.toString.call(value) === '[object Date]') {
    return Utilities.formatDate(value as Date, timeZone, 'yyyy-MM-dd');
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return value === null || value === undefined ? null : String(value);
}

/**
 * The columns the gateway reads: the seed's source columns, plus the ids and statuses it checks against
 * (`qb_bill_status` tells a synced bill whose payment is still due from one already paid).
 */
const sentColumns = new Set<string>([
  ...sourceColumns.map(headerKey),
  'qb_invoice_id',
  'qb_bill_id',
  'qb_sync_status',
  'qb_bill_status',
]);

export function rowInputs(table: Table, timeZone: string): SheetRowInput[] {
  const idCol = table.index.get('qb_row_id')!;
  const columns = [...table.index.entries()].filter(([name]) => sentColumns.has(name));
  const out: SheetRowInput[] = [];
  table.rows.forEach((row, i) => {
    const rowId = String(row[idCol] ?? '').trim();
    if (rowId === '') return;
    const values: Record<string, CellValue> = {};
    for (const [name, col] of columns) values[name] = cellValue(row[col], timeZone);
    out.push({ rowId, sheetRow: i + 2, values });
  });
  return out;
}

export const statusColours: Record<string, string> = {
  synced: '#d9ead3',
  failed: '#f4cccc',
  skipped: '#eeeeee',
  pending: '#fce5cd',
  queued: '#fff2cc',
  processing: '#fff2cc',
};

/** Text a sheet would take for a formula or a number is written as text. */
export function asText(value: string): string {
  return /^[=+\-@']/.test(value) ? `'${value}` : value;
}

type Cells = Partial<Record<QbColumn, string>>;

export function cellsFor(result: RowResult): Cells {
  const cells: Cells = {};
  if (result.status !== 'ok') cells.qb_sync_status = result.status;
  if (result.invoiceId) cells.qb_invoice_id = result.invoiceId;
  if (result.invoiceUrl) cells.qb_invoice_url = result.invoiceUrl;
  if (result.syncedAt) cells.qb_synced_at = result.syncedAt;
  cells.qb_error = result.error ?? '';
  if (result.billId) cells.qb_bill_id = result.billId;
  if (result.billUrl) cells.qb_bill_url = result.billUrl;
  if (result.billStatus) cells.qb_bill_status = result.billStatus;
  if (result.direction === 'money_out') cells.qb_bill_error = result.billError ?? '';
  return cells;
}

export interface WriteStats {
  written: number;
  missing: string[];
}

/** Runs of adjacent column indexes: [start, width]. */
function spans(columns: number[]): Array<[number, number]> {
  const sorted = [...new Set(columns)].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === c) last[1] += 1;
    else out.push([c, 1]);
  }
  return out;
}

/**
 * Writes results onto the rows that carry their `qb_row_id` NOW (read again here: rows may have been
 * sorted or inserted since the table was read). Range calls: header + ids + 2 per qb block + notes and
 * colours — the same for 10 rows as for 10,000.
 */
export function writeResults(sheet: Sheet, results: readonly RowResult[]): WriteStats {
  if (results.length === 0) return { written: 0, missing: [] };
  const lastRow = sheet.getLastRow();
  const lastColumn = sheet.getLastColumn();
  if (lastRow < 2) return { written: 0, missing: results.map((r) => r.rowId) };
  const headers = sheet.getRange(1, 1, 1, lastColumn).getValues()[0]!.map(String);
  const index = headerIndex(headers);
  const idCol = index.get('qb_row_id');
  if (idCol === undefined) return { written: 0, missing: results.map((r) => r.rowId) };
  const n = lastRow - 1;
  const ids = sheet
    .getRange(2, idCol + 1, n, 1)
    .getValues()
    .map((r) => String(r[0] ?? '').trim());
  const rowOf = new Map<string, number>();
  ids.forEach((id, i) => {
    if (id !== '' && !rowOf.has(id)) rowOf.set(id, i);
  });
  const updates: Array<[number, Cells, RowResult]> = [];
  const missing: string[] = [];
  for (const r of results) {
    const at = rowOf.get(r.rowId);
    if (at === undefined) missing.push(r.rowId);
    else updates.push([at, cellsFor(r), r]);
  }
  if (updates.length === 0) return { written: 0, missing };
  const used = new Set<string>();
  for (const [, cells] of updates) for (const k of Object.keys(cells)) used.add(k);
  const columns = [...used].map((k) => index.get(k)).filter((c): c is number => c !== undefined);
  for (const [start, width] of spans(columns)) {
    const range = sheet.getRange(2, start + 1, n, width);
    const block = range.getValues();
    const names = headers.slice(start, start + width).map(headerKey);
    for (const [at, cells] of updates) {
      names.forEach((name, j) => {
        const value = cells[name as QbColumn];
        if (value !== undefined) block[at]![j] = asText(value);
      });
    }
    range.setNumberFormat('@');
    range.setValues(block);
  }
  const statusCol = index.get('qb_sync_status');
  if (statusCol !== undefined) {
    const range = sheet.getRange(2, statusCol + 1, n, 1);
    const colours = range.getBackgrounds();
    for (const [at, cells] of updates) {
      if (cells.qb_sync_status) colours[at]![0] = statusColours[cells.qb_sync_status] ?? '#ffffff';
    }
    range.setBackgrounds(colours);
  }
  const errorCol = index.get('qb_error');
  if (errorCol !== undefined) {
    const range = sheet.getRange(2, errorCol + 1, n, 1);
    const notes = range.getNotes();
    for (const [at, , r] of updates)
      notes[at]![0] = [r.error ?? '', ...r.warnings].filter(Boolean).join('\n');
    range.setNotes(notes);
  }
  return { written: updates.length, missing };
}
