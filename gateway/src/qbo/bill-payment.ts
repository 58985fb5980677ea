import { type Cents, centsToDecimal } from '../../../shared/src/money';

/**
 * The BillPayment that settles a bill (Intuit's "Pay bills"): paid by check from a bank account, one line
 * linked to the bill. QuickBooks lowers the bill's Balance by the line's amount and refuses (6000) a payment
 * larger than what is still open, so a flow sends the bill's own total and lets a partly paid bill be refused
 * with a sentence instead of guessing how much is left. Written through `createOnce`/`createMany` with a
 * `{ marker: { vendorRef, txnDate } }` lookup: a payment has no number of ours to find it by.
 */
export interface BillPaymentInput {
  vendorId: string;
  billId: string;
  amountCents: Cents;
  /** A Bank account Id (QBO_BILL_PAYMENT_ACCOUNT_ID). */
  bankAccountId: string;
  /** The day it was paid, YYYY-MM-DD. */
  txnDate: string;
  privateNote?: string;
}

export function buildBillPayment(input: BillPaymentInput): Record<string, unknown> {
  const amount = centsToDecimal(input.amountCents);
  return {
    VendorRef: { value: input.vendorId },
    PayType: 'Check',
    CheckPayment: { BankAccountRef: { value: input.bankAccountId } },
    TxnDate: input.txnDate,
    TotalAmt: amount,
    Line: [{ Amount: amount, LinkedTxn: [{ TxnId: input.billId, TxnType: 'Bill' }] }],
    ...(input.privateNote ? { PrivateNote: input.privateNote } : {}),
  };
}
