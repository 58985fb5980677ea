/**
 * The sidebar's Zimbra panel (server side): a month's unmapped domains and CoS with the customers/items to
 * map them to, "report only" (a gateway job that fetches the month, then its report written into the
 * `zimbra_YYYY_MM_summary`, `…_details` and `…_usage` tabs), "create drafts" only for the count and total
 * the user confirmed, the mapping calls, and undo of the month's unsent drafts. Runs are gateway jobs.
 */
import { callGateway, GatewayError } from '../gateway';
import type { GatewayJob } from '../jobs';
import type { Settings } from '../settings';
import { type MoneyRange, type TabCell, writeTab } from '../sheet-tabs';

export interface Month {
  year: number;
  month: number;
}

interface ReportTable {
  rows: TabCell[][];
  money: MoneyRange[];
}

export interface MonthReport {
  period: string;
  tables: { summary: ReportTable; details: ReportTable; usage: ReportTable };
  drafts: { count: number; totalCents: number | null };
  unmapped: { domains: number; cos: number };
  usagePairs: number;
}

export interface Unmapped {
  period: string;
  domains: Array<{
    domain: string;
    accounts: number;
    suggestion: { customerId: string; customerName: string } | null;
  }>;
  cos: Array<{ name: string; accounts: number; quotaGb: number | null }>;
}

export interface PickEntry {
  id: string;
  name: string;
}

/** A month from the sidebar: whole numbers only; the previous month when none is given. */
export function monthOf(year: unknown, month: unknown, now = new Date()): Month {
  if (year === undefined || year === null || year === '') {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
  }
  const y = Number(year);
  const m = Number(month);
  if (!Number.isInteger(y) || y < 2000 || y > 2100 || !Number.isInteger(m) || m < 1 || m > 12)
    throw new GatewayError('Pick a month such as 2025-10', 0, 'bad_month');
  return { year: y, month: m };
}

const key = (m: Month) => `${m.year}_${String(m.month).padStart(2, '0')}`;
export const tabNames = (m: Month) => ({
  summary: `zimbra_${key(m)}_summary`,
  details: `zimbra_${key(m)}_details`,
  usage: `zimbra_${key(m)}_usage`,
});

export function zimbraUnmapped(settings: Settings, m: Month): Unmapped {
  return callGateway<Unmapped>(settings, 'get', `/api/zimbra/unmapped?year=${m.year}&month=${m.month}`);
}

export function zimbraReport(settings: Settings, m: Month): MonthReport {
  return callGateway<MonthReport>(settings, 'get', `/api/zimbra/report?year=${m.year}&month=${m.month}`);
}

/** Report only: fetch the month's usage and price it, creating nothing (`skipInvoices`). */
export function zimbraStartReport(settings: Settings, m: Month): GatewayJob {
  return callGateway<GatewayJob>(settings, 'post', '/api/zimbra/runs', { ...m, skipInvoices: true });
}

/** The month's report into its three tabs; returns what "create drafts" would make. */
export function zimbraWriteTabs(settings: Settings, m: Month): { tabs: string[]; report: MonthReport } {
  const report = zimbraReport(settings, m);
  const names = tabNames(m);
  for (const part of ['summary', 'details', 'usage'] as const)
    writeTab(names[part], report.tables[part].rows, report.tables[part].money);
  return { tabs: [names.summary, names.details, names.usage], report };
}

/**
 * Drafts for exactly what the user confirmed: the count and total are read again first and a change
 * (a mapping made meanwhile, a price changed in QuickBooks) refuses with the new figures to confirm. The
 * run bills the usage already stored (the report the user saw), so nothing new slips in between.
 */
export function zimbraCreateDrafts(
  settings: Settings,
  m: Month,
  confirmed: { count: number; totalCents: number | null },
): GatewayJob {
  const now = zimbraReport(settings, m).drafts;
  if (now.count !== confirmed.count || now.totalCents !== confirmed.totalCents) {
    throw new GatewayError(
      `The month changed since you confirmed: it now makes ${now.count} drafts totalling ${
        now.totalCents === null ? 'an unknown amount' : `$${(now.totalCents / 100).toFixed(2)}`
      }; confirm again`,
      409,
      'changed',
      now,
    );
  }
  return callGateway<GatewayJob>(settings, 'post', '/api/zimbra/runs', { ...m, skipFetch: true });
}

/** The whole month as the clock runs it: fetch, bill what is mapped, skip and list what is not. */
export function zimbraStartMonth(settings: Settings, m: Month): GatewayJob {
  return callGateway<GatewayJob>(settings, 'post', '/api/zimbra/runs', m);
}

export function zimbraMapDomain(settings: Settings, domain: string, customerId: string): unknown {
  return callGateway(settings, 'put', `/api/zimbra/domains/${encodeURIComponent(domain)}`, {
    customerId,
  });
}

export function zimbraMapCos(settings: Settings, name: string, itemId: string, quotaGb?: number): unknown {
  return callGateway(settings, 'put', `/api/zimbra/cos/${encodeURIComponent(name)}`, {
    itemId,
    ...(quotaGb === undefined || quotaGb === null ? {} : { quotaGb: Number(quotaGb) }),
  });
}

export function zimbraUndo(settings: Settings, m: Month): GatewayJob {
  return callGateway<GatewayJob>(settings, 'post', '/api/zimbra/undo', m);
}

export function pickLists(settings: Settings): { customers: PickEntry[]; items: PickEntry[] } {
  return {
    customers: callGateway<PickEntry[]>(settings, 'get', '/api/qbo/customers'),
    items: callGateway<PickEntry[]>(settings, 'get', '/api/qbo/items'),
  };
}

/** What a finished Zimbra run did, in a line (the log tab and the sidebar). */
export function zimbraJobCounts(job: GatewayJob): string {
  const s = (job.summary ?? {}) as {
    invoices?: { success_count?: number; failed_count?: number; total_amount?: number };
    reconciliation?: { items?: Array<{ type: string; name: string }> };
    deleted?: number;
    kept?: number;
  };
  if (s.deleted !== undefined) return `${s.deleted} drafts deleted, ${s.kept ?? 0} kept`;
  const skipped = s.reconciliation?.items ?? [];
  return `${s.invoices?.success_count ?? 0} invoices ($${(s.invoices?.total_amount ?? 0).toFixed(2)}), ${
    s.invoices?.failed_count ?? 0
  } failed, ${skipped.length} unmapped skipped${skipped.length ? `: ${skipped.map((i) => i.name).join(', ')}` : ''}`;
}
