import type { AppContext } from '../app/context';
import { type ReportTables, reportTables } from './billing/report-tables';
import { type Period, periodKey } from './report/highwater';
import { monthPicture, previewLines, reportData } from './service';

/**
 * `GET /api/zimbra/report`: the month's billing report as the three tables the CLI's workbook holds
 * (Summary, Details, Usage), computed from the stored usage and the mappings at current QuickBooks prices —
 * what `run-monthly-billing --skip-invoices` writes to Excel — plus what a "create drafts" would make, so
 * the sidebar can name the count and total before asking.
 */
export interface MonthReport {
  period: string;
  tables: ReportTables;
  drafts: { count: number; totalCents: number | null };
  unmapped: { domains: number; cos: number };
  usagePairs: number;
}

export async function monthReport(ctx: AppContext, period: Period): Promise<MonthReport> {
  const picture = monthPicture(ctx, period);
  const preview = await previewLines(ctx, picture, period);
  const data = reportData(period, picture, null, preview);
  const customers = new Set(data.lines.map((l) => l.customerId));
  const known = data.lines.every((l) => l.amountCents !== null);
  return {
    period: periodKey(period),
    tables: reportTables(data),
    drafts: {
      count: customers.size,
      totalCents: known ? data.lines.reduce((s, l) => s + (l.amountCents ?? 0), 0) : null,
    },
    unmapped: { domains: picture.unmappedDomains.length, cos: picture.unmappedCos.length },
    usagePairs: picture.highwater.length,
  };
}
