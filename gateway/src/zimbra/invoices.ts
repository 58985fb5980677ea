import crypto from 'node:crypto';
import { toCents } from '../../../shared/src/money';
import type { AppContext } from '../app/context';
import { createMany, deleteOnce, type QboConnection, QboError, updateOnce } from '../qbo/index';
import {
  buildInvoices,
  type ItemPrice,
  missingLines,
  type PlannedInvoice,
  type PlannedLine,
  qboLine,
  type UnpricedInvoice,
} from './billing/invoice-lines';
import type { BillableLine } from './reconcile';
import { type Period, periodKey } from './report/highwater';
import { type InvoiceRecord, ZimbraStore } from './store';

/**
 * The QuickBooks side of a month: prices read once per item, invoices created exactly once through the
 * ledger (`createMany`, DocNumber lookup), late-mapped lines added to a still-unsent invoice (`updateOnce`),
 * and `undo` deleting this tool's unsent, unedited drafts (`deleteOnce`).
 */

export interface InvoiceResult {
  customerId: string;
  customerName: string;
  docNumber: string;
  qboInvoiceId: string | null;
  /** created: new this run; existing: made by an earlier run (unchanged); updated: gained late lines. */
  outcome: 'created' | 'existing' | 'updated' | 'failed' | 'planned';
  totalCents: number;
  lineCount: number;
  lines: PlannedLine[];
  error?: string;
  /** Lines that could not be added because the invoice was already sent (billed nowhere yet). */
  notAdded?: Array<{ domain: string; cos: string; amountCents: number; reason: string }>;
}

export interface InvoiceStepResult {
  results: InvoiceResult[];
  prices: Map<string, ItemPrice>;
  pricesReadAt: string;
}

function priceOf(item: Record<string, unknown>): number | null {
  const value = item.UnitPrice;
  if (typeof value !== 'number' && typeof value !== 'string') return null;
  try {
    return toCents(value);
  } catch {
    // More than two decimals: QuickBooks allows them on items; round half up to cents.
    const n = Number(value);
    return Number.isFinite(n) ? Math.round(n * 100) : null;
  }
}

/** Each item's sales price, read once per run (the seed read it once per line). */
export async function loadPrices(
  conn: QboConnection,
  itemIds: Iterable<string>,
): Promise<Map<string, ItemPrice>> {
  const prices = new Map<string, ItemPrice>();
  for (const id of new Set(itemIds)) {
    try {
      const item = await conn.client.read('Item', id);
      prices.set(id, {
        itemId: id,
        name: String(item.Name ?? id),
        unitPriceCents: priceOf(item),
        active: item.Active !== false,
      });
    } catch (error) {
      if (error instanceof QboError && (error.hasCode('610') || error.status === 404)) continue;
      throw error;
    }
  }
  return prices;
}

const isSent = (invoice: Record<string, unknown>) => invoice.EmailStatus === 'EmailSent';

function totalOf(invoice: Record<string, unknown>): number {
  return toCents(Number(invoice.TotalAmt ?? 0));
}

function result(
  plan: PlannedInvoice,
  outcome: InvoiceResult['outcome'],
  fields: Partial<InvoiceResult> = {},
): InvoiceResult {
  return {
    customerId: plan.customerId,
    customerName: plan.customerName,
    docNumber: plan.docNumber,
    qboInvoiceId: null,
    outcome,
    totalCents: plan.totalCents,
    lineCount: plan.lines.length,
    lines: plan.lines,
    ...fields,
  };
}

function unpricedResult(u: UnpricedInvoice, docNumber: string): InvoiceResult {
  return {
    customerId: u.customerId,
    customerName: u.customerName,
    docNumber,
    qboInvoiceId: null,
    outcome: 'failed',
    totalCents: 0,
    lineCount: 0,
    lines: [],
    error: u.error,
  };
}

/** Adds the planned lines an unsent invoice lacks; a sent invoice is left alone and the lines reported. */
async function addLateLines(
  ctx: AppContext,
  conn: QboConnection,
  plan: PlannedInvoice,
  qboId: string,
): Promise<InvoiceResult> {
  const store = new ZimbraStore(ctx.db);
  let existing: Record<string, unknown>;
  try {
    existing = await conn.client.read('Invoice', qboId);
  } catch (error) {
    if (!(error instanceof QboError && (error.hasCode('610') || error.status === 404))) throw error;
    return result(plan, 'existing', {
      qboInvoiceId: qboId,
      totalCents: 0,
      error: `Invoice ${plan.docNumber} was deleted in QuickBooks, so it is not created again; to bill this month anew run \`qb-bridge zimbra undo --year ${plan.period.slice(0, 4)} --month ${Number(plan.period.slice(5))} --customer ${plan.customerId}\`, then run again`,
    });
  }
  const missing = missingLines(existing, plan);
  if (missing.length === 0) {
    return result(plan, 'existing', {
      qboInvoiceId: qboId,
      totalCents: totalOf(existing),
      lineCount: plan.lines.length,
    });
  }
  const label = missing.map((l) => `${l.domain}|${l.cos}|${l.quantity}`).join(',');
  const key = `${plan.ledgerKey}:add:${crypto.createHash('sha256').update(label).digest('hex').slice(0, 16)}`;
  const outcome = await updateOnce(conn.client, ctx.db, {
    key,
    entity: 'Invoice',
    id: qboId,
    change: (current) => {
      const stillMissing = missingLines(current, plan);
      if (stillMissing.length === 0) return { done: true };
      if (isSent(current)) return { refuse: 'the invoice was already sent to the customer' };
      const kept = (current.Line as Array<Record<string, unknown>>).filter(
        (l) => l.DetailType !== 'SubTotalLineDetail',
      );
      return { send: { Line: [...kept, ...stillMissing.map((l) => qboLine(l, plan.txnDate))] } };
    },
  });
  if (outcome.state === 'done') {
    const fresh = await conn.client.read('Invoice', qboId);
    store.saveInvoice(record(conn, plan, qboId, String(fresh.SyncToken ?? ''), totalOf(fresh)));
    return result(plan, 'updated', { qboInvoiceId: qboId, totalCents: totalOf(fresh) });
  }
  const reason = outcome.message;
  const notAdded = missing.map((l) => ({ domain: l.domain, cos: l.cos, amountCents: l.amountCents, reason }));
  if (outcome.state === 'refused') {
    if (/sent/.test(reason))
      store.saveInvoice({
        ...record(conn, plan, qboId, String(existing.SyncToken ?? ''), totalOf(existing)),
        state: 'sent',
      });
    return result(plan, 'existing', { qboInvoiceId: qboId, totalCents: totalOf(existing), notAdded });
  }
  return result(plan, 'failed', {
    qboInvoiceId: qboId,
    totalCents: totalOf(existing),
    error: reason,
    notAdded,
  });
}

function record(
  conn: QboConnection,
  plan: PlannedInvoice & { generation?: number },
  qboId: string,
  syncToken: string | null,
  totalCents = plan.totalCents,
): Omit<InvoiceRecord, 'createdAt' | 'updatedAt'> {
  return {
    generation: plan.generation ?? 0,
    realmId: conn.realmId,
    customerId: plan.customerId,
    period: plan.period,
    docNumber: plan.docNumber,
    ledgerKey: plan.ledgerKey,
    qboId,
    syncToken,
    state: 'draft',
    totalCents,
    lineCount: plan.lines.length,
    lines: plan.lines,
  };
}

export interface InvoiceStepOptions {
  dryRun?: boolean;
  /** Invoices QuickBooks refused before are sent once more (`--retry-rejected`). */
  retryRejected?: boolean;
  customerId?: string;
  onProgress?: (done: number, total: number) => void;
}

export async function invoiceMonth(
  ctx: AppContext,
  conn: QboConnection,
  billable: readonly BillableLine[],
  period: Period,
  options: InvoiceStepOptions = {},
): Promise<InvoiceStepResult> {
  const lines = options.customerId ? billable.filter((l) => l.customerId === options.customerId) : billable;
  const prices = await loadPrices(
    conn,
    lines.map((l) => l.itemId),
  );
  const pricesReadAt = new Date().toISOString();
  const { invoices, unpriced } = buildInvoices(lines, prices, period);
  const store = new ZimbraStore(ctx.db);
  const results: InvoiceResult[] = unpriced.map((u) => unpricedResult(u, ''));
  const total = invoices.length + unpriced.length;
  let done = unpriced.length;
  const tick = () => options.onProgress?.(done, total);
  tick();

  const toCreate: PlannedInvoice[] = [];
  const existing: Array<{ plan: PlannedInvoice; qboId: string }> = [];
  const earlierBy = new Map(store.invoices(conn.realmId, periodKey(period)).map((r) => [r.customerId, r]));
  for (const plan of invoices) {
    // After `zimbra undo` deleted this month's invoice, the next one is a new intent with its own ledger row.
    const earlier = earlierBy.get(plan.customerId);
    const generation = earlier
      ? earlier.state === 'deleted'
        ? earlier.generation + 1
        : earlier.generation
      : 0;
    Object.assign(plan, {
      generation,
      ledgerKey: generation > 0 ? `${plan.ledgerKey}:r${generation}` : plan.ledgerKey,
    });
    const row = conn.ledger.find(conn.realmId, plan.ledgerKey, 'Invoice');
    if (row?.state === 'created' && row.qboId) existing.push({ plan, qboId: row.qboId });
    else toCreate.push(plan);
  }
  if (options.dryRun) {
    for (const plan of toCreate) results.push(result(plan, 'planned'));
    for (const { plan, qboId } of existing) results.push(result(plan, 'existing', { qboInvoiceId: qboId }));
    return { results, prices, pricesReadAt };
  }

  const byKey = new Map(toCreate.map((p) => [p.ledgerKey, p]));
  const outcomes = await createMany(
    conn.client,
    conn.ledger,
    toCreate.map((p) => ({
      key: p.ledgerKey,
      entity: 'Invoice' as const,
      payload: p.payload,
      lookup: { docNumber: p.docNumber },
    })),
    {
      // A Zimbra invoice carries a line per domain and CoS (ten is common): planning the default slice
      // (four rounds of batches) up front held the first batch back by a few hundred ms of hashing and
      // ledger writes. One round at a time lets the first batch leave at once; planning the next round
      // fits in the rate limiter's wait for the next batch slot.
      sliceSize: conn.client.limiter.limits.itemsPerBatch * conn.client.limiter.limits.maxConcurrent,
      retryRejected: options.retryRejected,
      onSettled: () => {
        done++;
        tick();
      },
    },
  );
  const records: Array<ReturnType<typeof record>> = [];
  for (const outcome of outcomes) {
    const plan = byKey.get(outcome.key)!;
    if (outcome.state === 'created') {
      // Adopted = found by DocNumber after a lost answer or a crash: it is ours, made from this payload.
      records.push(record(conn, plan, outcome.qboId, outcome.syncToken));
      results.push(result(plan, 'created', { qboInvoiceId: outcome.qboId }));
    } else {
      results.push(result(plan, 'failed', { error: outcome.message }));
    }
  }
  store.saveInvoices(records);
  for (const { plan, qboId } of existing) {
    try {
      results.push(await addLateLines(ctx, conn, plan, qboId));
    } catch (error) {
      if (!(error instanceof QboError)) throw error;
      results.push(result(plan, 'failed', { qboInvoiceId: qboId, error: error.message }));
    }
    done++;
    tick();
  }
  results.sort((a, b) => (a.customerName < b.customerName ? -1 : a.customerName > b.customerName ? 1 : 0));
  return { results, prices, pricesReadAt };
}

export interface UndoResult {
  customerId: string;
  docNumber: string;
  qboInvoiceId: string | null;
  outcome: 'deleted' | 'kept' | 'pending';
  reason?: string;
}

/**
 * Takes a month back: deletes the drafts this tool created for it that are still unsent and unedited (the
 * SyncToken is still the one our last write left). A sent, paid or edited invoice is kept and reported.
 */
export async function undoMonth(
  ctx: AppContext,
  conn: QboConnection,
  period: Period,
  options: { customerId?: string; actor: string },
): Promise<UndoResult[]> {
  const store = new ZimbraStore(ctx.db);
  const results: UndoResult[] = [];
  const records = store
    .invoices(conn.realmId, periodKey(period))
    .filter((r) => r.state !== 'deleted' && (!options.customerId || r.customerId === options.customerId));
  for (const rec of records) {
    if (!rec.qboId) continue;
    const outcome = await deleteOnce(conn.client, ctx.db, {
      key: `${rec.ledgerKey}:undo:${rec.qboId}`,
      entity: 'Invoice',
      id: rec.qboId,
      guard: (current) => {
        if (isSent(current)) return 'it was sent to the customer';
        const total = toCents(Number(current.TotalAmt ?? 0));
        if (toCents(Number(current.Balance ?? total)) !== total) return 'it has payments applied';
        if (rec.syncToken !== null && String(current.SyncToken) !== rec.syncToken) {
          return 'it was edited in QuickBooks after qb-bridge wrote it';
        }
        return null;
      },
    });
    if (outcome.state === 'deleted') {
      store.saveInvoice({ ...rec, state: 'deleted' });
      results.push({
        customerId: rec.customerId,
        docNumber: rec.docNumber,
        qboInvoiceId: rec.qboId,
        outcome: 'deleted',
      });
    } else {
      results.push({
        customerId: rec.customerId,
        docNumber: rec.docNumber,
        qboInvoiceId: rec.qboId,
        outcome: outcome.state === 'refused' ? 'kept' : 'pending',
        reason: outcome.message,
      });
    }
  }
  ctx.audit.record({
    actor: options.actor,
    action: 'zimbra_undo',
    target: periodKey(period),
    outcome: 'success',
    details: {
      customerId: options.customerId ?? null,
      results: results.map((r) => ({ doc: r.docNumber, outcome: r.outcome })),
    },
  });
  return results;
}
