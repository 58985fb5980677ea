import { formatCents } from '../../../shared/src/money';
import type { RowGroup } from '../../../shared/src/sheets/group';
import { buildBillPayment, type CreateInput, type LedgerRow, linesTotalCents } from '../qbo/index';

/**
 * QBO_AUTO_MARK_BILL_PAID (seed 001 Mode B): a money-out row whose `Inv_paid_date` is filled also gets a
 * BillPayment for its bill, once, under its own ledger key `sheets:<spreadsheet>:<anchor qb_row_id>:payment`.
 * The payment pays what the bill QuickBooks holds totals (the ledger's payload, not the row as edited since),
 * by check from QBO_BILL_PAYMENT_ACCOUNT_ID, dated the paid date. design.md names no payment columns, so the
 * row says it in its note (warnings) and, when QuickBooks refuses the payment, in `qb_error`/`qb_bill_error`.
 */

/** The day the group's bill was paid: every row of a multi-line bill must carry the same date. */
export function paidDateOf(group: RowGroup): { date?: string; warning?: string } {
  const dates = group.rows.map((r) => r.paidDate);
  if (dates.every((d) => d === undefined)) return {};
  const distinct = new Set(dates);
  if (distinct.size === 1) return { date: dates[0]! };
  return {
    warning: `Inv_paid_date differs between the rows of bill ${group.docNumber} (rows ${group.rows.map((r) => r.sheetRow).join(', ')}); the bill was not marked paid — give every row the same paid date`,
  };
}

export const paymentKeyOf = (billKey: string) => `${billKey}:payment`;

export const missingPaymentAccount =
  'Not marked paid: the gateway has no QBO_BILL_PAYMENT_ACCOUNT_ID (the bank account bill payments are drawn on); ask its administrator to set it';

/** The payment for a bill QuickBooks holds (its ledger row), dated the paid date. */
export function paymentFor(
  bill: Pick<LedgerRow, 'key' | 'payload' | 'qboId'>,
  group: RowGroup,
  paidDate: string,
  bankAccountId: string,
): CreateInput {
  const vendorId = String((bill.payload.VendorRef as { value?: unknown } | undefined)?.value ?? '');
  return {
    key: paymentKeyOf(bill.key),
    entity: 'BillPayment',
    payload: buildBillPayment({
      vendorId,
      billId: bill.qboId ?? '',
      amountCents: linesTotalCents(bill.payload.Line),
      bankAccountId,
      txnDate: paidDate,
      privateNote: `Payment of bill ${group.docNumber} (sheet rows ${group.rows.map((r) => r.sheetRow).join(', ')})`,
    }),
    lookup: { marker: { vendorRef: vendorId, txnDate: paidDate } },
  };
}

export function paidSentence(paymentId: string, payload: Record<string, unknown>): string {
  const cents = linesTotalCents(payload.Line);
  return `Marked paid in QuickBooks: BillPayment ${paymentId}, ${formatCents(cents)} on ${String(payload.TxnDate)}`;
}

export function refusedSentence(docNumber: string, billId: string, message: string): string {
  return `Bill ${docNumber} is in QuickBooks (Id ${billId}), but QuickBooks refused its payment: ${message}. Record the payment in QuickBooks yourself; qb-bridge does not try it again.`;
}

export function pendingSentence(docNumber: string, billId: string, message: string): string {
  return `Bill ${docNumber} is in QuickBooks (Id ${billId}); its payment is not settled yet (${message}). The next run finishes it, creating neither twice.`;
}
