import { type CreateInput, createMany, type QboConnection } from '../qbo/index';
import { attemptOf, type ClaimPolicy, ownedBy, renewClaim, type WriteBack, writeBack } from './claim';
import { ensureCustomers } from './customers';
import {
  checkInvoice,
  customerNotFound,
  docNumber,
  type InvoiceFacts,
  invoicePayload,
  type MisInvoice,
  type MisParty,
} from './map-row';
import type { MisDb } from './mis-db';
import { invoiceColumns, loadCategories, loadParties } from './parties';

/**
 * One claimed page, start to finish: read what the invoices refer to, check them, make sure their
 * customers exist, create the invoices through the batch writer, and write every row's result back to the
 * MIS. Every claimed row leaves status 3 here — synced (1), failed (2, with the reason and attempt in
 * pushed_by) or, when QuickBooks could not settle it yet, back to 0 for a later run.
 */

export interface RowError {
  invoice_id: number;
  error: string;
}

export interface PageResult {
  total_processed: number;
  successful: number;
  failed: number;
  /** Not settled (QuickBooks unreachable, or another run still sending it); back to status 0. */
  pending: number;
  customers_created: number;
  errors: RowError[];
  success_details: Array<{ invoice_id: number; quickbooks_id: string }>;
  /** Highest invoice id in the page (the `all` cursor). */
  last_id: number;
}

export function emptyPage(): PageResult {
  return {
    total_processed: 0,
    successful: 0,
    failed: 0,
    pending: 0,
    customers_created: 0,
    errors: [],
    success_details: [],
    last_id: 0,
  };
}

export interface PageContext {
  db: MisDb;
  policy: ClaimPolicy;
  /** Recorded in pushed_by of synced rows, e.g. `qb-bridge (cli)`. */
  by: string;
  /** Invoices QuickBooks refused before are sent once more (`--retry-rejected`). */
  retryRejected?: boolean;
}

/** What would happen to each row, without writing anywhere (dry run and preview). */
export interface Planned {
  row: MisInvoice;
  facts?: InvoiceFacts;
  party?: MisParty;
  problem?: string;
}

export async function planRows(db: MisDb, rows: readonly MisInvoice[]): Promise<Planned[]> {
  const categories = await loadCategories(db, rows);
  const parties = await loadParties(
    db,
    rows.map((r) => r.reg_no ?? ''),
  );
  return rows.map((row) => {
    const checked = checkInvoice(
      row,
      row.fee_category === null ? undefined : categories.get(Number(row.fee_category)),
    );
    if (!checked.ok) return { row, problem: checked.reason };
    const party = parties.get(checked.value.regNo);
    if (!party) return { row, facts: checked.value, problem: customerNotFound(checked.value.regNo) };
    return { row, facts: checked.value, party };
  });
}

export async function readClaimed(db: MisDb, token: string): Promise<MisInvoice[]> {
  const own = ownedBy(token);
  return db.select<MisInvoice>(
    `SELECT ${invoiceColumns(db)} FROM tbl_imvoice WHERE ${own.sql} ORDER BY id`,
    own.values,
  );
}

/** Synced rows in one statement per page (a CASE for the ids), still only where this claim holds them. */
async function writeSynced(
  ctx: PageContext,
  token: string,
  done: ReadonlyArray<{ id: number; qboId: string }>,
): Promise<void> {
  if (done.length === 0) return;
  const own = ownedBy(token);
  const cases = done.map(() => 'WHEN ? THEN ?').join(' ');
  await ctx.db.update(
    `UPDATE tbl_imvoice SET QuickBk_Status = 1, quickbooks_id = CASE id ${cases} END,
       pushed_by = ?, pushed_date = UTC_TIMESTAMP() WHERE id IN (?) AND ${own.sql}`,
    [...done.flatMap((d) => [d.id, d.qboId]), ctx.by.slice(0, 200), done.map((d) => d.id), ...own.values],
  );
}

/** Processes the rows this claim holds; never throws with rows left in 3 unless the MIS itself fails. */
export async function syncClaimed(
  ctx: PageContext,
  qbo: QboConnection,
  token: string,
  onClaimed?: (lastId: number) => void,
): Promise<PageResult> {
  const result = emptyPage();
  // Keep the claim fresh while QuickBooks is slow (a throttled realm waits minutes).
  const renewEvery = Math.max(1_000, (ctx.policy.leaseSeconds * 1_000) / 3);
  const timer = setInterval(() => {
    renewClaim(ctx.db, token).catch(() => undefined);
  }, renewEvery);
  timer.unref();
  try {
    const rows = await readClaimed(ctx.db, token);
    if (rows.length === 0) return result;
    result.total_processed = rows.length;
    result.last_id = rows[rows.length - 1]!.id;
    onClaimed?.(result.last_id);
    const planned = await planRows(ctx.db, rows);

    const results = new Map<number, WriteBack>();
    const fail = (row: MisInvoice, reason: string) =>
      results.set(row.id, {
        kind: 'failed',
        reason,
        attempt: attemptOf(row.pushed_by),
        maxAttempts: ctx.policy.maxAttempts,
      });

    const ready = planned.filter((p) => {
      if (p.problem) fail(p.row, p.problem);
      return !p.problem;
    });
    const customers = await ensureCustomers(
      ctx.db,
      qbo,
      ready.map((p) => p.party!),
    );
    const inputs: Array<{ row: MisInvoice; input: CreateInput }> = [];
    for (const p of ready) {
      const customer = customers.get(p.party!.key);
      if (!customer?.ok) {
        const reason = customer?.reason ?? 'Customer not found';
        if (customer?.pending) results.set(p.row.id, { kind: 'pending', reason });
        else fail(p.row, reason);
        continue;
      }
      const payload = invoicePayload(p.row, p.facts!, customer.qboId);
      inputs.push({
        row: p.row,
        input: {
          key: `mis:invoice:${p.row.id}`,
          entity: 'Invoice',
          payload,
          lookup: { docNumber: docNumber(p.row.id) },
        },
      });
    }
    for (const c of customers.values()) if (c.ok && c.created) result.customers_created += 1;

    const outcomes =
      inputs.length > 0
        ? await createMany(
            qbo.client,
            qbo.ledger,
            inputs.map((i) => i.input),
            { retryRejected: ctx.retryRejected },
          )
        : [];
    const synced: Array<{ id: number; qboId: string }> = [];
    for (const [i, outcome] of outcomes.entries()) {
      const { row } = inputs[i]!;
      if (outcome.state === 'created') synced.push({ id: row.id, qboId: outcome.qboId });
      else if (outcome.state === 'rejected') fail(row, `QuickBooks refused the invoice: ${outcome.message}`);
      else results.set(row.id, { kind: 'pending', reason: outcome.message });
    }

    await writeSynced(ctx, token, synced);
    for (const s of synced) result.success_details.push({ invoice_id: s.id, quickbooks_id: s.qboId });
    result.successful = synced.length;
    for (const [id, write] of results) {
      await writeBack(ctx.db, token, id, write);
      if (write.kind === 'failed') {
        result.failed += 1;
        result.errors.push({ invoice_id: id, error: write.reason });
      } else if (write.kind === 'pending') {
        result.pending += 1;
        result.errors.push({ invoice_id: id, error: `Not finished, will be retried: ${write.reason}` });
      }
    }
    return result;
  } finally {
    clearInterval(timer);
  }
}

/** Dry run of one page: what would be created and what would fail, nothing written anywhere. */
export function dryRunPage(planned: readonly Planned[]): PageResult & { would_create_customers: string[] } {
  const result = { ...emptyPage(), would_create_customers: [] as string[] };
  const customers = new Set<string>();
  for (const p of planned) {
    result.total_processed += 1;
    result.last_id = Math.max(result.last_id, p.row.id);
    if (p.problem) {
      result.failed += 1;
      result.errors.push({ invoice_id: p.row.id, error: p.problem });
      continue;
    }
    result.successful += 1;
    if (p.party && !p.party.qboId) customers.add(p.party.key);
  }
  result.would_create_customers = [...customers];
  result.customers_created = customers.size;
  return result;
}
