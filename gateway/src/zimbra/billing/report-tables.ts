import { monthName, periodKey } from '../report/highwater';
import { customerTotals } from './customer-totals';
import type { ReportData } from './report-lines';

/**
 * The billing report's three tables, cell by cell, as the Excel workbook (`excel.ts`) lays them out and as
 * the add-on writes them into `zimbra_YYYY_MM_summary`, `…_details` and `…_usage` tabs — one source for
 * both, so the sheet and the workbook cannot disagree. Money is dollars as numbers (the cents / 100 the
 * workbook shows), never text; an amount that is not known is null (an empty cell, never $0).
 */
export type ReportCell = string | number | null;

/** A block of money cells (1-based, like a sheet range) that gets the currency format. */
export interface MoneyRange {
  row: number;
  column: number;
  rows: number;
  columns: number;
}

export interface ReportTable {
  rows: ReportCell[][];
  money: MoneyRange[];
  /** The header row (1-based) the workbook freezes and filters. */
  headerRow: number;
}

export interface ReportTables {
  summary: ReportTable;
  details: ReportTable;
  usage: ReportTable;
}

export const moneyFormat = '"$"#,##0.00';

const dollars = (cents: number | null) => (cents === null ? null : cents / 100);

export const summaryHeaderRow = 11;

function summaryTable(data: ReportData): ReportTable {
  const totals = customerTotals(data.lines);
  const known = data.lines.every((l) => l.amountCents !== null);
  const grand = known ? data.lines.reduce((s, l) => s + (l.amountCents ?? 0), 0) : null;
  const accounts = totals.reduce((s, t) => s + t.accounts, 0);
  const rows: ReportCell[][] = [
    [`Zimbra Billing Report - ${monthName(data.period)}`],
    [],
    ['Report Generated:', data.generatedAt],
    ['Billing Period:', periodKey(data.period)],
    ['Prices:', data.priceSource],
    ['Summary Statistics'],
    ['Total Customers', totals.length],
    ['Total Accounts', accounts],
    ['Total Amount', dollars(grand)],
    [],
    ['Customer', 'QuickBooks Id', 'Invoice', 'Status', 'Lines', 'Total Accounts', 'Total Amount'],
    ...totals.map((t) => [
      t.customerName,
      t.customerId,
      t.docNumber ?? '',
      t.status,
      t.lines,
      t.accounts,
      dollars(t.amountCents),
    ]),
    ['TOTAL', '', '', '', data.lines.length, accounts, dollars(grand)],
  ];
  return {
    rows,
    headerRow: summaryHeaderRow,
    money: [
      { row: 9, column: 2, rows: 1, columns: 1 },
      { row: summaryHeaderRow + 1, column: 7, rows: totals.length + 1, columns: 1 },
    ],
  };
}

function detailsTable(data: ReportData): ReportTable {
  const header = [
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
  ];
  const rows: ReportCell[][] = [
    header,
    ...data.lines.map((l) => [
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
    ]),
  ];
  const money = data.lines.length > 0 ? [{ row: 2, column: 8, rows: data.lines.length, columns: 2 }] : [];
  return { rows, headerRow: 1, money };
}

function usageTable(data: ReportData): ReportTable {
  const rows: ReportCell[][] = [
    ['Domain', 'CoS', 'Customer', 'Status', ...data.snapshotDates, 'High-water', 'Peak Date'],
    ...data.usage.map((u) => {
      const byDate = new Map(u.highwater.samples.map((s) => [s.date, s.count]));
      return [
        u.domain,
        u.cos,
        u.customerName ?? '',
        u.status,
        ...data.snapshotDates.map((d) => byDate.get(d) ?? null),
        u.highwater.highwater,
        u.highwater.peakDate,
      ];
    }),
  ];
  return { rows, headerRow: 1, money: [] };
}

export function reportTables(data: ReportData): ReportTables {
  return { summary: summaryTable(data), details: detailsTable(data), usage: usageTable(data) };
}
