import { type Cents, centsToDecimal, lineAmountCents } from '../../../shared/src/money';

/**
 * QBO lines from integer cents. QuickBooks checks `Amount = round(Qty × UnitPrice)` on item lines and
 * answers 6070 when it disagrees (qbo-api.md §6.3); computing Amount with the same rounding in integer
 * arithmetic means that check always passes. When a source only knows quantity and total, UnitPrice is
 * left out (QBO accepts Amount alone) instead of sending a derived price that might not multiply back.
 */

export interface SalesLineInput {
  itemId: string;
  description?: string;
  /** Decimal text or number, up to 6 decimals ("4.5"). */
  quantity?: string | number;
  unitPriceCents?: Cents;
  /** Only used when there is no unit price: the line total as the source states it. */
  amountCents?: Cents;
  serviceDate?: string;
  taxCodeId?: string;
  classId?: string;
}

export interface QboSalesLine {
  DetailType: 'SalesItemLineDetail';
  Amount: number;
  Description?: string;
  SalesItemLineDetail: {
    ItemRef: { value: string };
    Qty?: number;
    UnitPrice?: number;
    ServiceDate?: string;
    TaxCodeRef?: { value: string };
    ClassRef?: { value: string };
  };
}

export class LineAmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineAmountError';
  }
}

/** The cents a sales line will total, by the same rule QBO applies. */
export function salesLineCents(input: SalesLineInput): Cents {
  if (input.unitPriceCents !== undefined) return lineAmountCents(input.quantity ?? 1, input.unitPriceCents);
  if (input.amountCents !== undefined) return input.amountCents;
  throw new LineAmountError('A line needs a unit price or an amount; fill in one of them on the row');
}

export function buildSalesLine(input: SalesLineInput): QboSalesLine {
  const cents = salesLineCents(input);
  const detail: QboSalesLine['SalesItemLineDetail'] = { ItemRef: { value: input.itemId } };
  if (input.quantity !== undefined) detail.Qty = Number(input.quantity);
  if (input.unitPriceCents !== undefined) detail.UnitPrice = centsToDecimal(input.unitPriceCents);
  if (input.serviceDate) detail.ServiceDate = input.serviceDate;
  if (input.taxCodeId) detail.TaxCodeRef = { value: input.taxCodeId };
  if (input.classId) detail.ClassRef = { value: input.classId };
  const line: QboSalesLine = {
    DetailType: 'SalesItemLineDetail',
    Amount: centsToDecimal(cents),
    SalesItemLineDetail: detail,
  };
  if (input.description) line.Description = input.description;
  return line;
}

export interface ExpenseLineInput {
  accountId: string;
  amountCents: Cents;
  description?: string;
  customerId?: string;
  classId?: string;
  taxCodeId?: string;
}

export interface QboExpenseLine {
  DetailType: 'AccountBasedExpenseLineDetail';
  Amount: number;
  Description?: string;
  AccountBasedExpenseLineDetail: {
    AccountRef: { value: string };
    BillableStatus: 'NotBillable' | 'Billable';
    CustomerRef?: { value: string };
    ClassRef?: { value: string };
    TaxCodeRef?: { value: string };
  };
}

/** A Bill line booked to an expense account (no quantity rule applies to account-based lines). */
export function buildExpenseLine(input: ExpenseLineInput): QboExpenseLine {
  const detail: QboExpenseLine['AccountBasedExpenseLineDetail'] = {
    AccountRef: { value: input.accountId },
    BillableStatus: input.customerId ? 'Billable' : 'NotBillable',
  };
  if (input.customerId) detail.CustomerRef = { value: input.customerId };
  if (input.classId) detail.ClassRef = { value: input.classId };
  if (input.taxCodeId) detail.TaxCodeRef = { value: input.taxCodeId };
  const line: QboExpenseLine = {
    DetailType: 'AccountBasedExpenseLineDetail',
    Amount: centsToDecimal(input.amountCents),
    AccountBasedExpenseLineDetail: detail,
  };
  if (input.description) line.Description = input.description;
  return line;
}

/**
 * The cents of a QBO transaction's own lines (SubTotal lines excluded), read back from JSON. Used to decide
 * whether an existing transaction with our DocNumber is the one we sent.
 */
export function linesTotalCents(lines: unknown): Cents {
  if (!Array.isArray(lines)) return 0;
  let total = 0;
  for (const line of lines) {
    if (typeof line !== 'object' || line === null) continue;
    const { DetailType, Amount } = line as { DetailType?: unknown; Amount?: unknown };
    if (DetailType === 'SubTotalLineDetail') continue;
    if (typeof Amount === 'number') total += Math.round(Amount * 100);
    else if (typeof Amount === 'string' && Amount.trim() !== '') total += Math.round(Number(Amount) * 100);
  }
  return total;
}
