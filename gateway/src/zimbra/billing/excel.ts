import fs from 'node:fs';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import { monthName, periodKey } from '../report/highwater';
import type { ReportData, ReportLine } from './report-lines';

/**
 * The billing workbook `billing_report_YYYY_MM_<stamp>.xlsx`: Summary (per customer), Details (line by
 * line) and Usage (every snapshot per domain/CoS). Money cells are numbers with a currency format (the seed
 * wrote text), headers are frozen and filtered; amounts that are not known stay empty rather than $0.
 */

const money = '"$"#,##0.00';
const headerFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF366092' } };
const totalFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };

const dollars = (cents: number | null) => (cents === null ? null : cents / 100);

function styleHeader(row: ExcelJS.Row): void {
  row.eachCell((cell) => {
    cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
    cell.fill = headerFill;
  });
}

export interface CustomerTotal {
  customerId: string;
  customerName: string;
  docNumber: string | null;
  status: string;
  lines: number;
  accounts: number;
  amountCents: number | null;
}

export function customerTotals(lines: readonly ReportLine[]): CustomerTotal[] {
  const by = new Map<string, CustomerTotal>();
  for (const line of lines) {
    const t = by.get(line.customerId) ?? {
      customerId: line.customerId,
      customerName: line.customerName,
      docNumber: line.docNumber,
      status: line.invoiceStatus,
      lines: 0,
      accounts: 0,
      amountCents: 0,
    };
    t.lines++;
    t.accounts += line.accounts;
    t.amountCents =
      t.amountCents === null || line.amountCents === null ? null : t.amountCents + line.amountCents;
    by.set(line.customerId, t);
  }
  return [...by.values()].sort((a, b) =>
    a.customerName < b.customerName ? -1 : a.customerName > b.customerName ? 1 : 0,
  );
}

/** exceljs takes over a second to load; only commands that write a workbook pay for it. */
async function loadExcel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

export async function buildWorkbook(data: ReportData): Promise<ExcelJS.Workbook> {
  const Excel = await loadExcel();
  const book = new Excel.Workbook();
  book.creator = 'qb-bridge';
  book.created = new Date(data.generatedAt);
  const totals = customerTotals(data.lines);
  const known = data.lines.every((l) => l.amountCents !== null);
  const grand = known ? data.lines.reduce((s, l) => s + (l.amountCents ?? 0), 0) : null;

  const summary = book.addWorksheet('Summary');
  summary.getCell('A1').value = `Zimbra Billing Report - ${monthName(data.period)}`;
  summary.getCell('A1').font = { bold: true, size: 14 };
  summary.getCell('A3').value = 'Report Generated:';
  summary.getCell('B3').value = data.generatedAt;
  summary.getCell('A4').value = 'Billing Period:';
  summary.getCell('B4').value = periodKey(data.period);
  summary.getCell('A5').value = 'Prices:';
  summary.getCell('B5').value = data.priceSource;
  summary.getCell('A6').value = 'Summary Statistics';
  summary.getCell('A6').font = { bold: true };
  summary.getCell('A7').value = 'Total Customers';
  summary.getCell('B7').value = totals.length;
  summary.getCell('A8').value = 'Total Accounts';
  summary.getCell('B8').value = totals.reduce((s, t) => s + t.accounts, 0);
  summary.getCell('A9').value = 'Total Amount';
  summary.getCell('B9').value = dollars(grand);
  summary.getCell('B9').numFmt = money;
  const head = summary.getRow(11);
  head.values = ['Customer', 'QuickBooks Id', 'Invoice', 'Status', 'Lines', 'Total Accounts', 'Total Amount'];
  styleHeader(head);
  let r = 12;
  for (const t of totals) {
    const row = summary.getRow(r++);
    row.values = [
      t.customerName,
      t.customerId,
      t.docNumber ?? '',
      t.status,
      t.lines,
      t.accounts,
      dollars(t.amountCents),
    ];
    row.getCell(7).numFmt = money;
  }
  const total = summary.getRow(r);
  total.values = [
    'TOTAL',
    '',
    '',
    '',
    data.lines.length,
    totals.reduce((s, t) => s + t.accounts, 0),
    dollars(grand),
  ];
  total.getCell(7).numFmt = money;
  total.eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = totalFill;
  });
  summary.views = [{ state: 'frozen', ySplit: 11 }];
  summary.autoFilter = { from: { row: 11, column: 1 }, to: { row: Math.max(11, r - 1), column: 7 } };
  summary.columns.forEach((col, i) => {
    col.width = [40, 14, 16, 12, 8, 15, 15][i];
  });

  const details = book.addWorksheet('Details');
  details.addRow([
    'Customer',
    'Domain',
    'CoS',
    'Quota (GB)',
    'Accounts',
    'Peak Date',
    'Item',
    'Unit Price',
    'Amount',
    'Invoice',
    'Status',
  ]);
  styleHeader(details.getRow(1));
  for (const l of data.lines) {
    const row = details.addRow([
      l.customerName,
      l.domain,
      l.cos,
      l.quotaGb,
      l.accounts,
      l.peakDate,
      l.itemName,
      dollars(l.unitPriceCents),
      dollars(l.amountCents),
      l.docNumber ?? '',
      l.invoiceStatus,
    ]);
    row.getCell(8).numFmt = money;
    row.getCell(9).numFmt = money;
  }
  details.views = [{ state: 'frozen', ySplit: 1 }];
  details.autoFilter = {
    from: { row: 1, column: 1 },
    to: { row: Math.max(1, data.lines.length + 1), column: 11 },
  };
  details.columns.forEach((col, i) => {
    col.width = [34, 28, 20, 10, 10, 12, 22, 12, 12, 16, 12][i];
  });

  const usage = book.addWorksheet('Usage');
  usage.addRow(['Domain', 'CoS', 'Customer', 'Status', ...data.snapshotDates, 'High-water', 'Peak Date']);
  styleHeader(usage.getRow(1));
  for (const u of data.usage) {
    const byDate = new Map(u.highwater.samples.map((s) => [s.date, s.count]));
    usage.addRow([
      u.domain,
      u.cos,
      u.customerName ?? '',
      u.status,
      ...data.snapshotDates.map((d) => byDate.get(d) ?? null),
      u.highwater.highwater,
      u.highwater.peakDate,
    ]);
  }
  const width = 6 + data.snapshotDates.length;
  usage.views = [{ state: 'frozen', ySplit: 1 }];
  usage.autoFilter = {
    from: { row: 1, column: 1 },
    to: { row: Math.max(1, data.usage.length + 1), column: width },
  };
  usage.columns.forEach((col, i) => {
    col.width = i === 0 ? 30 : i === 1 ? 20 : i === 2 ? 30 : 12;
  });
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
