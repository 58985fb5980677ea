import crypto from 'node:crypto';
import { lineAmountCents } from '../../../../shared/src/money';
import { buildSalesLine } from '../../qbo/index';
import type { BillableLine } from '../reconcile';
import { monthName, monthRange, type Period, periodKey } from '../report/highwater';

/**
 * One draft invoice per customer per month (seed-systems.md §1.8), built from the billable high-water lines
 * and the item prices read once per run. Pure: the same month, mappings and prices give the same invoices,
 * DocNumbers and ledger keys, so a re-run finds what the first run made.
 */

export interface ItemPrice {
  itemId: string;
  name: string;
  /** Null when the item has no unit price in QuickBooks (billing it would invent one). */
  unitPriceCents: number | null;
  active: boolean;
}

export interface PlannedLine {
  domain: string;
  cos: string;
  quotaGb: number | null;
  quantity: number;
  peakDate: string;
  itemId: string;
  itemName: string;
  unitPriceCents: number;
  amountCents: number;
  description: string;
}

export interface PlannedInvoice {
  customerId: string;
  customerName: string;
  period: string;
  docNumber: string;
  ledgerKey: string;
  txnDate: string;
  memo: string;
  lines: PlannedLine[];
  totalCents: number;
  payload: Record<string, unknown>;
}

export interface UnpricedInvoice {
  customerId: string;
  customerName: string;
  error: string;
}

export function lineDescription(domain: string, cos: string, quotaGb: number | null): string {
  return quotaGb === null ? `${domain} - ${cos}` : `${domain} - ${cos} (${quotaGb}GB)`;
}

/** `ZB202510-58`: ≤ 21 characters (QuickBooks' DocNumber limit); long customer ids fall back to a hash. */
export function docNumberFor(period: Period, customerId: string): string {
  const base = `ZB${period.year}${String(period.month).padStart(2, '0')}-`;
  const plain = `${base}${customerId}`;
  if (plain.length <= 21 && /^[A-Za-z0-9-]+$/.test(customerId)) return plain;
  return `${base}${crypto
    .createHash('sha256')
    .update(customerId)
    .digest('hex')
    .slice(0, 21 - base.length)}`;
}

export function ledgerKeyFor(period: Period, customerId: string): string {
  return `zimbra:${customerId}:${periodKey(period)}`;
}

export function memoFor(period: Period): string {
  return `Zimbra Email Services - ${monthName(period)}`;
}

export function qboLine(line: PlannedLine, serviceDate: string): Record<string, unknown> {
  return {
    ...buildSalesLine({
      itemId: line.itemId,
      description: line.description,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      serviceDate,
    }),
  };
}

export function buildInvoices(
  billable: readonly BillableLine[],
  prices: ReadonlyMap<string, ItemPrice>,
  period: Period,
): { invoices: PlannedInvoice[]; unpriced: UnpricedInvoice[] } {
  const txnDate = monthRange(period).to;
  const byCustomer = new Map<string, BillableLine[]>();
  for (const line of billable) {
    const list = byCustomer.get(line.customerId) ?? [];
    list.push(line);
    byCustomer.set(line.customerId, list);
  }
  const invoices: PlannedInvoice[] = [];
  const unpriced: UnpricedInvoice[] = [];
  const customers = [...byCustomer.keys()].sort(
    (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const customerId of customers) {
    const source = byCustomer
      .get(customerId)!
      .sort((a, b) => (a.domain === b.domain ? (a.cos < b.cos ? -1 : 1) : a.domain < b.domain ? -1 : 1));
    const customerName = source[0]!.customerName;
    const missing = source
      .map((l) => prices.get(l.itemId))
      .filter((p, i, all) => (!p || p.unitPriceCents === null || !p.active) && all.indexOf(p) === i);
    if (missing.length > 0) {
      const names = source
        .filter((l) => {
          const p = prices.get(l.itemId);
          return !p || p.unitPriceCents === null || !p.active;
        })
        .map((l) => {
          const p = prices.get(l.itemId);
          return !p
            ? `item ${l.itemId} (not found)`
            : !p.active
              ? `"${p.name}" (inactive)`
              : `"${p.name}" (no unit price)`;
        });
      unpriced.push({
        customerId,
        customerName,
        error: `Cannot price ${[...new Set(names)].join(', ')} in QuickBooks; give the item a sales price (Sales → Products and Services) or map the CoS to another item, then run again`,
      });
      continue;
    }
    const lines: PlannedLine[] = source.map((l) => {
      const unitPriceCents = prices.get(l.itemId)!.unitPriceCents!;
      return {
        domain: l.domain,
        cos: l.cos,
        quotaGb: l.quotaGb,
        quantity: l.highwater,
        peakDate: l.peakDate,
        itemId: l.itemId,
        itemName: prices.get(l.itemId)!.name || l.itemName,
        unitPriceCents,
        amountCents: lineAmountCents(l.highwater, unitPriceCents),
        description: lineDescription(l.domain, l.cos, l.quotaGb),
      };
    });
    const totalCents = lines.reduce((sum, l) => sum + l.amountCents, 0);
    const docNumber = docNumberFor(period, customerId);
    const memo = memoFor(period);
    invoices.push({
      customerId,
      customerName,
      period: periodKey(period),
      docNumber,
      ledgerKey: ledgerKeyFor(period, customerId),
      txnDate,
      memo,
      lines,
      totalCents,
      payload: {
        CustomerRef: { value: customerId },
        DocNumber: docNumber,
        TxnDate: txnDate,
        CustomerMemo: { value: memo },
        PrivateNote: `qb-bridge Zimbra billing ${periodKey(period)} (draft: review, then send from QuickBooks)`,
        // "Draft" made explicit: created unsent; qb-bridge never e-mails an invoice.
        EmailStatus: 'NotSet',
        Line: lines.map((l, i) => ({ LineNum: i + 1, ...qboLine(l, txnDate) })),
      },
    });
  }
  return { invoices, unpriced };
}

/** An invoice line as QuickBooks returns it: its description (our key for the (domain, CoS) pair). */
export function descriptionsOf(invoice: Record<string, unknown>): string[] {
  const lines = Array.isArray(invoice.Line) ? (invoice.Line as Array<Record<string, unknown>>) : [];
  return lines.filter((l) => l.DetailType === 'SalesItemLineDetail').map((l) => String(l.Description ?? ''));
}

/** Planned lines an existing invoice lacks (compared by the `domain - cos` part of the description). */
export function missingLines(existing: Record<string, unknown>, planned: PlannedInvoice): PlannedLine[] {
  const have = new Set(descriptionsOf(existing).map((d) => d.replace(/ \(\d+GB\)$/, '')));
  return planned.lines.filter((l) => !have.has(`${l.domain} - ${l.cos}`));
}
