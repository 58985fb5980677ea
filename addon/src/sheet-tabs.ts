/**
 * Writes a table the gateway computed into an add-on tab: the tab is rewritten whole with one setValues
 * for the block (rows padded to one width) and one setNumberFormat per money block. Money arrives as
 * numbers (dollars) and stays numbers with a currency format; text is written as text (a leading
 * apostrophe), so a domain or an id is never read as a number, a date or a formula.
 */
export type TabCell = string | number | boolean | null;

export interface MoneyRange {
  row: number;
  column: number;
  rows: number;
  columns: number;
}

export const currencyFormat = '"$"#,##0.00';

function asCell(value: TabCell | undefined): string | number | boolean {
  if (value === null || value === undefined || value === '') return '';
  return typeof value === 'string' ? `'${value}` : value;
}

export function writeTab(
  name: string,
  rows: ReadonlyArray<ReadonlyArray<TabCell>>,
  money: readonly MoneyRange[] = [],
): { rows: number; columns: number } {
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  const tab = ss.getSheetByName(name) ?? ss.insertSheet(name);
  tab.clearContents();
  const width = Math.max(1, ...rows.map((r) => r.length));
  if (rows.length === 0) return { rows: 0, columns: 0 };
  const grid = rows.map((r) => Array.from({ length: width }, (_, i) => asCell(r[i])));
  tab.getRange(1, 1, grid.length, width).setValues(grid);
  for (const m of money) {
    if (m.rows > 0 && m.columns > 0)
      tab.getRange(m.row, m.column, m.rows, m.columns).setNumberFormat(currencyFormat);
  }
  return { rows: grid.length, columns: width };
}
