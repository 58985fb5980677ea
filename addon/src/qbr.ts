/**
 * Import QBR metrics: the QuickBooks Desktop figures the Web Connector flow collects
 * (`GET /api/qbwc/metrics`) into a `qbr_metrics` tab — one row per month, one column per metric, numbers
 * as numbers. The tab is the add-on's own (created when missing) and rewritten whole each time.
 */
import { callGateway } from './gateway';
import type { Settings } from './settings';

interface MetricRow {
  period: string;
  metric_name: string;
  metric_value: string;
  data_source: string;
}

export const metricsTab = 'qbr_metrics';

export function monthsBack(now: Date, months: number): { from: string; to: string } {
  const to = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
  return { from: `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`, to };
}

export function metricsTable(rows: readonly MetricRow[]): Array<Array<string | number>> {
  const periods = [...new Set(rows.map((r) => r.period))].sort();
  const names = [...new Set(rows.map((r) => r.metric_name))].sort();
  const value = new Map(rows.map((r) => [`${r.period}|${r.metric_name}`, Number(r.metric_value)]));
  return [
    ['period', ...names],
    ...periods.map((p) => [p, ...names.map((n) => value.get(`${p}|${n}`) ?? '')]),
  ];
}

export function importMetrics(
  settings: Settings,
  from: string,
  to: string,
): { months: number; metrics: number } {
  if (!/^\d{4}-\d{2}$/.test(from) || !/^\d{4}-\d{2}$/.test(to)) throw new Error('Months are written YYYY-MM');
  const rows = callGateway<MetricRow[]>(settings, 'get', `/api/qbwc/metrics?from=${from}&to=${to}`);
  const table = metricsTable(rows);
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  const tab = ss.getSheetByName(metricsTab) ?? ss.insertSheet(metricsTab);
  tab.clearContents();
  const width = table[0]!.length;
  tab.getRange(1, 1, table.length, width).setValues(table);
  if (table.length > 1 && width > 1)
    tab.getRange(2, 2, table.length - 1, width - 1).setNumberFormat('#,##0.00');
  return { months: table.length - 1, metrics: width - 1 };
}
