import type { HighWater, Period } from '../report/highwater';

/**
 * What the Excel report and the JSON summary show, gathered once by the service: per-line rows (from the
 * invoices made or, without invoices, from a preview at the prices read), per-snapshot usage, and where
 * the prices came from. Amounts are integer cents; null means "not known" (never shown as $0).
 */
export interface ReportLine {
  customerId: string;
  customerName: string;
  domain: string;
  cos: string;
  quotaGb: number | null;
  accounts: number;
  peakDate: string;
  itemName: string;
  unitPriceCents: number | null;
  amountCents: number | null;
  docNumber: string | null;
  invoiceStatus: string;
}

export interface UsageRow {
  domain: string;
  cos: string;
  customerName: string | null;
  status: 'billable' | 'unmapped' | 'excluded';
  highwater: HighWater;
}

export interface ReportData {
  period: Period;
  generatedAt: string;
  /** A sentence: "QuickBooks item prices read 2025-11-01T02:00:05Z" or why amounts are empty. */
  priceSource: string;
  lines: ReportLine[];
  usage: UsageRow[];
  snapshotDates: string[];
}
