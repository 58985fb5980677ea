import fs from 'node:fs';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import type { ReportData } from './report-lines';
import { moneyFormat, type ReportTable, reportTables, summaryHeaderRow } from './report-tables';

/**
 * The billing workbook `billing_report_YYYY_MM_<stamp>.xlsx`: Summary (per customer), Details (line by
 * line) and Usage (every snapshot per domain/CoS). Money cells are numbers with a currency format (the seed
 * wrote text), headers are frozen and filtered; amounts that are not known stay empty rather than $0.
 */

const headerFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF366092' } };
const totalFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };

function styleHeader(row: ExcelJS.Row): void {
  row.eachCell((cell) => {
    cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
    cell.fill = headerFill;
  });
}

/** exceljs takes over a second to load; only commands that write a workbook pay for it. */
async function loadExcel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

function styleMoney(sheet: ExcelJS.Worksheet, table: ReportTable): void {
  for (const range of table.money)
    for (let r = range.row; r < range.row + range.rows; r++)
      for (let c = range.column; c < range.column + range.columns; c++)
        sheet.getCell(r, c).numFmt = moneyFormat;
}

function fill(sheet: ExcelJS.Worksheet, table: ReportTable, widths: (column: number) => number): void {
  table.rows.forEach((cells, i) => {
    if (cells.length > 0) sheet.getRow(i + 1).values = cells;
  });
  styleHeader(sheet.getRow(table.headerRow));
  styleMoney(sheet, table);
  const width = table.rows[table.headerRow - 1]!.length;
  sheet.views = [{ state: 'frozen', ySplit: table.headerRow }];
  sheet.autoFilter = {
    from: { row: table.headerRow, column: 1 },
    to: { row: Math.max(table.headerRow, table.rows.length), column: width },
  };
  sheet.columns.forEach((col, i) => {
    col.width = widths(i);
  });
}

export async function buildWorkbook(data: ReportData): Promise<ExcelJS.Workbook> {
  const Excel = await loadExcel();
  const book = new Excel.Workbook();
  book.creator = 'qb-bridge';
  book.created = new Date(data.generatedAt);
  const tables = reportTables(data);

  const summary = book.addWorksheet('Summary');
  fill(summary, tables.summary, (i) => [40, 14, 16, 12, 8, 15, 15][i] ?? 12);
  // The filter covers the customers, not the TOTAL row under them.
  summary.autoFilter = {
    from: { row: summaryHeaderRow, column: 1 },
    to: { row: Math.max(summaryHeaderRow, tables.summary.rows.length - 1), column: 7 },
  };
  summary.getCell('A1').font = { bold: true, size: 14 };
  summary.getCell('A6').font = { bold: true };
  summary.getRow(tables.summary.rows.length).eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = totalFill;
  });

  fill(
    book.addWorksheet('Details'),
    tables.details,
    (i) => [34, 28, 20, 10, 10, 12, 22, 12, 12, 16, 12][i] ?? 12,
  );
  fill(book.addWorksheet('Usage'), tables.usage, (i) => (i === 0 ? 30 : i === 1 ? 20 : i === 2 ? 30 : 12));
  return book;
}

/** `billing_report_2025_10_20251101_020012.xlsx` in `dir`. */
export function reportPath(dir: string, data: Pick<ReportData, 'period' | 'generatedAt'>): string {
  const stamp = data.generatedAt.replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  const month = String(data.period.month).padStart(2, '0');
  return path.join(dir, `billing_report_${data.period.year}_${month}_${stamp}.xlsx`);
}

export async function writeWorkbook(data: ReportData, file: string): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await (await buildWorkbook(data)).xlsx.writeFile(tmp);
  fs.renameSync(tmp, file);
  return file;
}
