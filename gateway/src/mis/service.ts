import type { AppContext } from '../app/context';
import { requireSettings } from '../config/require';
import type { Job } from '../jobs/jobs';
import { openQbo, type QboConnection } from '../qbo/index';
import {
  type ClaimPolicy,
  claimableIds,
  claimOne,
  claimPage,
  failureReason,
  lastClaimedId,
  newClaimToken,
  releaseClaim,
} from './claim';
import { docNumber, type MisInvoice } from './map-row';
import { type MisDb, openMisDb } from './mis-db';
import { invoiceColumns } from './parties';
import { dryRunPage, emptyPage, type PageResult, planRows, syncClaimed } from './sync-page';

/**
 * The MIS invoice sync (seed 002): analyze, preview, batch, all, single, status. Every write to QuickBooks
 * goes through `qbo/` (batch writer, ledger, shared rate budget); every row's outcome is written back to
 * the MIS (`QuickBk_Status`, `pushed_by`, `pushed_date`, `quickbooks_id`). `all`, batch after batch as a
 * job, is in `run-all.ts`; one batch's work is in `sync-page.ts`.
 */

export const misFlow = 'mis';
export const maxBatchSize = 100;

export interface Statistics {
  total_invoices: number;
  already_synced: number;
  not_synced: number;
  failed: number;
  in_progress: number;
}

export function progressPercentage(stats: Statistics): number {
  return stats.total_invoices === 0
    ? 0
    : Math.round((stats.already_synced / stats.total_invoices) * 1000) / 10;
}

export function claimPolicy(ctx: AppContext): ClaimPolicy {
  return {
    leaseSeconds: ctx.config.MIS_CLAIM_LEASE_SECONDS,
    retryDelaySeconds: ctx.config.MIS_RETRY_DELAY_SECONDS,
    maxAttempts: ctx.config.MIS_MAX_ATTEMPTS,
  };
}

/** Opens the MIS named by MIS_DATABASE_URL (ConfigError when unset; schema checked before anything else). */
export async function openMis(ctx: AppContext): Promise<MisDb> {
  requireSettings(ctx.config, ['MIS_DATABASE_URL'], 'to read the MIS student records');
  return openMisDb(ctx.config.MIS_DATABASE_URL!);
}

export async function analyze(db: MisDb): Promise<Statistics> {
  const rows = await db.select<Record<string, unknown>>(
    `SELECT COUNT(*) AS total,
       COALESCE(SUM(QuickBk_Status = 1), 0) AS synced,
       COALESCE(SUM(QuickBk_Status IS NULL OR QuickBk_Status = 0), 0) AS not_synced,
       COALESCE(SUM(QuickBk_Status = 2), 0) AS failed,
       COALESCE(SUM(QuickBk_Status = 3), 0) AS in_progress
     FROM tbl_imvoice`,
  );
  const r = rows[0] ?? {};
  return {
    total_invoices: Number(r.total ?? 0),
    already_synced: Number(r.synced ?? 0),
    not_synced: Number(r.not_synced ?? 0),
    failed: Number(r.failed ?? 0),
    in_progress: Number(r.in_progress ?? 0),
  };
}

export interface PreviewInvoice {
  invoice_id: number;
  doc_number: string;
  reg_no: string | null;
  invoice_date: string | null;
  fee_category: number | null;
  dept: number | null;
  credit: number | null;
  amount_cents: number | null;
  item_id: string | null;
  description: string | null;
  status: number;
  last_error: string | null;
  student_details: {
    kind: 'student' | 'applicant';
    name: string;
    email: string | null;
    phone: string | null;
    quickbooks_customer_id: string | null;
  } | null;
  problem: string | null;
}

/** Unsynchronized invoices (not synced or failed), oldest id first, with what the sync would do to each. */
export async function preview(
  db: MisDb,
  limit: number,
  offset: number,
): Promise<{ invoices: PreviewInvoice[]; count: number; limit: number; offset: number }> {
  const rows = await db.select<MisInvoice>(
    `SELECT ${invoiceColumns(db)} FROM tbl_imvoice
     WHERE QuickBk_Status IS NULL OR QuickBk_Status IN (0, 2) ORDER BY id LIMIT ? OFFSET ?`,
    [limit, offset],
  );
  const planned = await planRows(db, rows);
  const invoices = planned.map((p): PreviewInvoice => {
    const party = p.party;
    return {
      invoice_id: p.row.id,
      doc_number: docNumber(p.row.id),
      reg_no: p.row.reg_no,
      invoice_date: p.row.invoice_date,
      fee_category: p.row.fee_category,
      dept: p.row.dept,
      credit: p.row.credit,
      amount_cents: p.facts?.amountCents ?? null,
      item_id: p.facts?.itemId ?? null,
      description: p.facts?.description ?? null,
      status: Number(p.row.QuickBk_Status ?? 0),
      last_error: Number(p.row.QuickBk_Status) === 2 ? failureReason(p.row.pushed_by) : null,
      student_details: party
        ? {
            kind: party.kind,
            name: [party.givenName, party.middleName, party.familyName]
              .map((s) => s.trim())
              .filter(Boolean)
              .join(' '),
            email: party.emails[0] ?? null,
            phone: party.phones[0] ?? null,
            quickbooks_customer_id: party.qboId,
          }
        : null,
      problem: p.problem ?? null,
    };
  });
  return { invoices, count: invoices.length, limit, offset };
}

export interface RunOptions {
  dryRun?: boolean;
  /** Who asked (`cli`, `api:<token name>`), recorded in pushed_by of synced rows. */
  by?: string;
  /** Invoices QuickBooks refused before are sent once more (`--retry-rejected`, `retryRejected`). */
  retryRejected?: boolean;
}

function byLine(options: RunOptions): string {
  return `qb-bridge (${options.by ?? 'cli'})`;
}

export type BatchResult = PageResult & { dry_run: boolean; would_create_customers?: string[] };

async function runClaimed(
  ctx: AppContext,
  db: MisDb,
  qbo: QboConnection,
  token: string,
  options: RunOptions,
  onClaimed?: (lastId: number) => void,
): Promise<PageResult> {
  try {
    const page = { db, policy: claimPolicy(ctx), by: byLine(options), retryRejected: options.retryRejected };
    return await syncClaimed(page, qbo, token, onClaimed);
  } catch (error) {
    // Lost QuickBooks connection, MIS failure: nothing stays in 3; the ledger makes the retry safe.
    const reason = error instanceof Error ? error.message : String(error);
    await releaseClaim(db, token, `run stopped: ${reason}`).catch(() => undefined);
    throw error;
  }
}

/** Where a batch inside `all` starts, and the connection it shares with the other batches. */
interface PagePosition {
  /** Claim only ids above this; inside `all`, read when the batch's turn to claim comes. */
  afterId: number | (() => number);
  qbo?: QboConnection;
  /** Told the highest id claimed as soon as the claim is made, so other batches start after it. */
  onClaimed?: (lastId: number) => void;
  /**
   * Runs each claim (and its onClaimed) alone: the next batch reads the cursor only after the last claim
   * moved it, so no batch of a run can take a row another batch of it has just failed.
   */
  inTurn?: <T>(claim: () => Promise<T>) => Promise<T>;
}

/** One batch: claims up to `batchSize` rows and syncs them. */
export async function runBatch(
  ctx: AppContext,
  db: MisDb,
  batchSize: number,
  options: RunOptions = {},
  position: PagePosition = { afterId: 0 },
): Promise<BatchResult> {
  const policy = claimPolicy(ctx);
  const afterIdNow = () => (typeof position.afterId === 'function' ? position.afterId() : position.afterId);
  if (options.dryRun) {
    const afterId = afterIdNow();
    const ids = await claimableIds(db, policy, batchSize, afterId);
    if (ids.length === 0)
      return { ...emptyPage(), last_id: afterId, dry_run: true, would_create_customers: [] };
    position.onClaimed?.(ids[ids.length - 1]!);
    const rows = await db.select<MisInvoice>(
      `SELECT ${invoiceColumns(db)} FROM tbl_imvoice WHERE id IN (?) ORDER BY id`,
      [ids],
    );
    return { ...dryRunPage(await planRows(db, rows)), dry_run: true };
  }
  const connection = position.qbo ?? openQbo(ctx);
  const token = newClaimToken();
  const claim = async () => {
    const afterId = afterIdNow();
    const claimed = await claimPage(db, token, policy, batchSize, afterId);
    if (claimed > 0) position.onClaimed?.(await lastClaimedId(db, token));
    return { afterId, claimed };
  };
  const { afterId, claimed } = await (position.inTurn ? position.inTurn(claim) : claim());
  if (claimed === 0) return { ...emptyPage(), last_id: afterId, dry_run: false };
  return { ...(await runClaimed(ctx, db, connection, token, options, position.onClaimed)), dry_run: false };
}

export interface FailedRow {
  invoice_id: number;
  error: string;
}

/** Rows in status 2, with the reason their pushed_by records. */
export async function failedRows(db: MisDb, limit = 100): Promise<{ count: number; rows: FailedRow[] }> {
  const [count] = await db.select<{ n: number }>(
    'SELECT COUNT(*) AS n FROM tbl_imvoice WHERE QuickBk_Status = 2',
  );
  const rows = await db.select<{ id: number; pushed_by: string | null }>(
    'SELECT id, pushed_by FROM tbl_imvoice WHERE QuickBk_Status = 2 ORDER BY id LIMIT ?',
    [limit],
  );
  return {
    count: Number(count?.n ?? 0),
    rows: rows.map((r) => ({ invoice_id: Number(r.id), error: failureReason(r.pushed_by) })),
  };
}

export class SingleInvoiceError extends Error {
  constructor(
    readonly reason: 'not_found' | 'already_synced' | 'busy',
    message: string,
  ) {
    super(message);
    this.name = 'SingleInvoiceError';
  }
}

/** One invoice by id, whatever its retry count (a person asked for it). */
export async function runSingle(
  ctx: AppContext,
  db: MisDb,
  id: number,
  options: RunOptions = {},
): Promise<BatchResult> {
  const [row] = await db.select<MisInvoice>(`SELECT ${invoiceColumns(db)} FROM tbl_imvoice WHERE id = ?`, [
    id,
  ]);
  if (!row) throw new SingleInvoiceError('not_found', `Invoice ${id} not found in tbl_imvoice`);
  if (Number(row.QuickBk_Status) === 1) {
    throw new SingleInvoiceError(
      'already_synced',
      `Invoice ${id} is already synchronized (QuickBooks invoice ${row.quickbooks_id ?? '?'})`,
    );
  }
  if (options.dryRun) return { ...dryRunPage(await planRows(db, [row])), dry_run: true };
  const qbo = openQbo(ctx);
  const token = newClaimToken();
  if (!(await claimOne(db, token, claimPolicy(ctx), id))) {
    throw new SingleInvoiceError(
      'busy',
      `Invoice ${id} is being synchronized by another worker (${row.pushed_by ?? 'unknown'}, since ${String((row as unknown as Record<string, unknown>).pushed_date ?? '?')}); try again later`,
    );
  }
  return { ...(await runClaimed(ctx, db, qbo, token, options)), dry_run: false };
}

export interface StatusReport {
  statistics: Statistics;
  progress_percentage: number;
  quickbooks_connected: boolean;
  quickbooks_message: string | null;
  last_updated: string | null;
  job: Job | null;
  failed_invoices: { count: number; rows: FailedRow[] };
}

export async function status(ctx: AppContext, db: MisDb): Promise<StatusReport> {
  const statistics = await analyze(db);
  let connected = false;
  let message: string | null = null;
  try {
    const qbo = openQbo(ctx);
    connected = qbo.token === null || qbo.token.status === 'connected';
    if (!connected) message = qbo.token?.reason ?? `QuickBooks connection: ${qbo.token?.status}`;
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  const [last] = await db.select<{ at: string | null }>(
    'SELECT MAX(pushed_date) AS at FROM tbl_imvoice WHERE QuickBk_Status IN (1, 2)',
  );
  const job = ctx.jobs.list({ flow: misFlow, limit: 1 })[0] ?? null;
  return {
    statistics,
    progress_percentage: progressPercentage(statistics),
    quickbooks_connected: connected,
    quickbooks_message: message,
    last_updated: last?.at ? `${last.at.replace(' ', 'T')}Z` : null,
    job,
    failed_invoices: await failedRows(db, 20),
  };
}
