import { formatCents } from '../../../../shared/src/money';
import type { RowGroup } from '../../../../shared/src/sheets/group';
import {
  buildBillPayment,
  type CreateInput,
  type CreateOutcome,
  type LedgerRow,
  linesTotalCents,
} from '../../qbo/index';
import type { GroupOutcome } from '../plan';

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

export function paidDateRemovedSentence(docNumber: string, paymentId: string | undefined): string {
  const payment = paymentId ? `BillPayment ${paymentId}` : 'the payment qb-bridge recorded';
  return `Inv_paid_date was removed, but bill ${docNumber} stays paid in QuickBooks (${payment}): qb-bridge never deletes a payment. If the bill is not paid, void or delete that payment in QuickBooks yourself.`;
}

export function billNotOursSentence(docNumber: string, billId: string): string {
  return `Not marked paid: qb_bill_id ${billId} is not the bill qb-bridge created from these rows of ${docNumber} (were lines added, removed or the id edited since it synced?). Nothing was created; record the payment in QuickBooks yourself.`;
}

/**
 * A row's outcome once its bill's payment settled. `firstPass`: the bill was created in this run, so an
 * unsettled payment leaves the row without its bill Id (it stays eligible and the ledger finishes both);
 * on a payment-only pass the bill was synced earlier and keeps its synced time.
 */
export function paymentOutcome(
  o: CreateOutcome,
  bill: { docNumber: string; billId: string; url: string; changed?: string | undefined },
  payment: Pick<LedgerRow, 'payload'>,
  firstPass: boolean,
): { outcome: GroupOutcome; notes: string[] } {
  const { docNumber, billId, url, changed } = bill;
  if (o.state === 'created') {
    return {
      outcome: {
        status: 'synced',
        billStatus: 'paid',
        qboId: billId,
        url,
        ...(firstPass ? { syncedAt: new Date().toISOString() } : {}),
        ...(changed ? { error: changed } : {}),
      },
      notes: [paidSentence(o.qboId, payment.payload)],
    };
  }
  if (o.state === 'rejected') {
    return {
      outcome: {
        status: 'failed',
        qboId: billId,
        url,
        syncedAt: new Date().toISOString(),
        error: refusedSentence(docNumber, billId, o.message),
      },
      notes: [],
    };
  }
  const error = pendingSentence(docNumber, billId, o.message);
  return {
    outcome: firstPass ? { status: 'pending', error } : { status: 'pending', qboId: billId, url, error },
    notes: [],
  };
}
