import type { AppContext } from '../../app/context';
import { failureReason } from '../claim';
import type { MisDb } from '../mis-db';
import { type FailedRow, openMis } from '../service';

/**
 * What the MIS page reads, a page at a time. The page opens the MIS for one request and closes it again:
 * a dashboard is looked at now and then, and a pool kept open would hold MIS connections for nothing.
 */

export async function withMis<T>(ctx: AppContext, work: (db: MisDb) => Promise<T>): Promise<T> {
  const db = await openMis(ctx);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** One page of the invoices in status 2, oldest id first, with the reason the MIS records for each. */
export async function failedPage(db: MisDb, limit: number, offset: number): Promise<FailedRow[]> {
  const rows = await db.select<{ id: number; pushed_by: string | null }>(
    'SELECT id, pushed_by FROM tbl_imvoice WHERE QuickBk_Status = 2 ORDER BY id LIMIT ? OFFSET ?',
    [limit, offset],
  );
  return rows.map((r) => ({ invoice_id: Number(r.id), error: failureReason(r.pushed_by) }));
}
