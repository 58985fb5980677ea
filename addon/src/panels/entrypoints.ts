/**
 * The sidebar panels' `google.script.run` targets (re-exported as top-level functions by entrypoints.ts):
 * plain data in and out; a failure throws with the gateway's sentence, which the sidebar shows.
 */
import { type GatewayJob, readJob } from '../jobs';
import { readSettings } from '../settings';
import { type MisPanel, type MisStatistics, misAnalyze, misPanel, misPreviewToTab, misStart } from './mis';
import { type QbwcPanel, qbwcPanel } from './qbwc';
import {
  type MonthReport,
  monthOf,
  type PickEntry,
  pickLists,
  type Unmapped,
  zimbraCreateDrafts,
  zimbraMapCos,
  zimbraMapDomain,
  zimbraStartReport,
  zimbraUndo,
  zimbraUnmapped,
  zimbraWriteTabs,
} from './zimbra';

export function getMisPanel(): MisPanel {
  return misPanel(readSettings());
}

export function misAnalyzeNow(): MisStatistics {
  return misAnalyze(readSettings());
}

export function misPreviewTab(limit?: number): { rows: number; tab: string } {
  return misPreviewToTab(readSettings(), limit ?? 20);
}

export function misRunBatch(batchSize?: number): GatewayJob {
  const settings = readSettings();
  return misStart(settings, batchSize ?? settings.misBatchSize, false);
}

export function misRunAll(batchSize?: number): GatewayJob {
  const settings = readSettings();
  return misStart(settings, batchSize ?? settings.misBatchSize, true);
}

/** The sidebar's poll of any job it started. */
export function jobProgress(jobId: string): GatewayJob {
  return readJob(readSettings(), String(jobId));
}

export interface ZimbraPanel {
  month: { year: number; month: number };
  unmapped: Unmapped;
  /** Only fetched when something needs mapping. */
  customers: PickEntry[];
  items: PickEntry[];
}

export function getZimbraPanel(year?: number, month?: number): ZimbraPanel {
  const settings = readSettings();
  const m = monthOf(year, month);
  const unmapped = zimbraUnmapped(settings, m);
  const needsPickers = unmapped.domains.length > 0 || unmapped.cos.length > 0;
  const lists = needsPickers ? pickLists(settings) : { customers: [], items: [] };
  return { month: m, unmapped, ...lists };
}

export function zimbraReportOnly(year?: number, month?: number): GatewayJob {
  return zimbraStartReport(readSettings(), monthOf(year, month));
}

/** After a report-only job: the month into its three tabs, and what drafts would be made. */
export function zimbraShowReport(
  year?: number,
  month?: number,
): { tabs: string[]; drafts: MonthReport['drafts']; unmapped: MonthReport['unmapped'] } {
  const { tabs, report } = zimbraWriteTabs(readSettings(), monthOf(year, month));
  return { tabs, drafts: report.drafts, unmapped: report.unmapped };
}

export function zimbraDrafts(
  year: number,
  month: number,
  count: number,
  totalCents: number | null,
): GatewayJob {
  return zimbraCreateDrafts(readSettings(), monthOf(year, month), {
    count: Number(count),
    totalCents: totalCents === null || totalCents === undefined ? null : Number(totalCents),
  });
}

export function zimbraMapDomainTo(domain: string, customerId: string): unknown {
  return zimbraMapDomain(readSettings(), String(domain), String(customerId));
}

export function zimbraMapCosTo(name: string, itemId: string, quotaGb?: number): unknown {
  return zimbraMapCos(readSettings(), String(name), String(itemId), quotaGb);
}

export function zimbraUndoMonth(year: number, month: number): GatewayJob {
  return zimbraUndo(readSettings(), monthOf(year, month));
}

export function getQbwcPanel(): QbwcPanel {
  return qbwcPanel(readSettings());
}
