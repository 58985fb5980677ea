/**
 * The sidebar's MIS panel (server side): the seed's statistics and the failed invoices with their reasons
 * (`GET /api/v1/sync/status`), analyze, a preview into the `mis_preview` tab, and runs — one batch or all —
 * always as a gateway job (`POST /api/v1/sync/all`, one batch = `max_batches: 1`) that the sidebar polls.
 */
import { callGateway } from '../gateway';
import type { GatewayJob } from '../jobs';
import type { Settings } from '../settings';
import { type TabCell, writeTab } from '../sheet-tabs';

export const misPreviewTab = 'mis_preview';

export interface MisStatistics {
  total_invoices: number;
  already_synced: number;
  not_synced: number;
  failed: number;
  in_progress: number;
}

export interface MisPanel {
  statistics: MisStatistics;
  progress_percentage: number;
  quickbooks_connected: boolean;
  quickbooks_message: string | null;
  last_updated: string | null;
  job: GatewayJob | null;
  failed_invoices: { count: number; rows: Array<{ invoice_id: number; error: string }> };
}

export function misPanel(settings: Settings): MisPanel {
  return callGateway<MisPanel>(settings, 'get', '/api/v1/sync/status');
}

export function misAnalyze(settings: Settings): MisStatistics {
  return callGateway<MisStatistics>(settings, 'get', '/api/v1/sync/analyze');
}

interface PreviewInvoice {
  invoice_id: number;
  doc_number: string;
  reg_no: string | null;
  invoice_date: string | null;
  amount_cents: number | null;
  item_id: string | null;
  description: string | null;
  status: number;
  last_error: string | null;
  student_details: { name: string; quickbooks_customer_id: string | null } | null;
  problem: string | null;
}

export const misPreviewHeaders = [
  'invoice_id',
  'doc_number',
  'reg_no',
  'customer',
  'invoice_date',
  'amount',
  'item_id',
  'description',
  'status',
  'problem',
];

export function misPreviewToTab(settings: Settings, limit: number): { rows: number; tab: string } {
  const n = Math.min(100, Math.max(1, Math.floor(Number(limit) || 10)));
  const page = callGateway<{ invoices: PreviewInvoice[] }>(
    settings,
    'get',
    `/api/v1/sync/preview?limit=${n}`,
  );
  const rows: TabCell[][] = [
    misPreviewHeaders,
    ...page.invoices.map((i) => [
      i.invoice_id,
      i.doc_number,
      i.reg_no,
      i.student_details?.name ?? '',
      i.invoice_date,
      i.amount_cents === null ? null : i.amount_cents / 100,
      i.item_id,
      i.description,
      i.status === 2 ? 'failed' : 'not synced',
      i.problem ?? i.last_error ?? '',
    ]),
  ];
  const money = [{ row: 2, column: 6, rows: page.invoices.length, columns: 1 }];
  writeTab(misPreviewTab, rows, money);
  return { rows: page.invoices.length, tab: misPreviewTab };
}

/** One batch (`all: false`) or every claimable invoice, as a job. */
export function misStart(settings: Settings, batchSize: number, all: boolean): GatewayJob {
  const size = Math.min(100, Math.max(1, Math.floor(Number(batchSize) || 50)));
  const started = callGateway<{ job: GatewayJob }>(settings, 'post', '/api/v1/sync/all', {
    batch_size: size,
    ...(all ? {} : { max_batches: 1 }),
  });
  return started.job;
}

/** What a finished MIS job did, in a line (the log tab and the sidebar). */
export function misJobCounts(job: GatewayJob): string {
  const s = (job.summary ?? {}) as {
    total_processed?: number;
    total_successful?: number;
    total_failed?: number;
    total_pending?: number;
  };
  return `${s.total_successful ?? job.done} synced, ${s.total_failed ?? job.failed} failed, ${s.total_pending ?? 0} left of ${s.total_processed ?? job.total ?? '?'}`;
}
