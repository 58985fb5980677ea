/**
 * BillPayment create (Intuit's "Pay bills"): VendorRef, PayType Check (CheckPayment.BankAccountRef, a Bank
 * account) or CreditCard (CreditCardPayment.CCAccountRef, a Credit Card account), TotalAmt, and lines whose
 * LinkedTxn names the bills paid. Each linked bill must be the same vendor's and still owe at least the
 * line's amount; its Balance drops by it, it gains a LinkedTxn back to the payment and a new SyncToken (so a
 * client holding the bill's old SyncToken gets 5010, as with Intuit). A payment larger than what a bill still
 * owes is refused with a 6000 business validation fault (qbo-api.md §9.2: user-fixable); the Detail wording
 * is ours, as no recorded body exists. Updates of a payment are not emulated (flows never change one).
 */
import type { EntityRecord } from '../company';
import { centsToNumber, toCentsRounded } from '../decimal';
import { faults } from '../faults/fault-bodies';
import {
  checkProperties,
  commonProperties,
  homeCurrency,
  isRecord,
  newMeta,
  nextSyncToken,
  type OperationContext,
  ordered,
  refValue,
  resolveRef,
  textField,
  touchedMeta,
} from './common';
import { linesOf, transactionProperties, txnDates } from './transactions';

const knownBillPayment = new Set([
  ...commonProperties,
  ...transactionProperties,
  'VendorRef',
  'APAccountRef',
  'PayType',
  'CheckPayment',
  'CreditCardPayment',
]);

const billPaymentOrder = [
  'VendorRef',
  'PayType',
  'CheckPayment',
  'CreditCardPayment',
  'TotalAmt',
  'domain',
  'sparse',
  'Id',
  'SyncToken',
  'MetaData',
  'DocNumber',
  'TxnDate',
  'CurrencyRef',
  'PrivateNote',
  'Line',
];

const payAccounts = {
  Check: { holder: 'CheckPayment', ref: 'BankAccountRef', accountType: 'Bank' },
  CreditCard: { holder: 'CreditCardPayment', ref: 'CCAccountRef', accountType: 'Credit Card' },
} as const;

function payingAccount(ctx: OperationContext, body: EntityRecord): { payType: string; detail: EntityRecord } {
  const payType = textField(body, 'PayType');
  if (payType === undefined) throw faults.requiredParam('PayType');
  if (payType !== 'Check' && payType !== 'CreditCard') {
    throw faults.invalidValue('PayType', `${payType} is not Check or CreditCard`);
  }
  const { holder, ref, accountType } = payAccounts[payType];
  const sent = isRecord(body[holder]) ? (body[holder] as EntityRecord) : undefined;
  const element = `${holder}.${ref}`;
  const accountId = sent ? refValue(sent, ref, element) : undefined;
  if (accountId === undefined) throw faults.requiredParam(element);
  const account = resolveRef(ctx, 'Account', accountId, element);
  if (account.record.AccountType !== accountType) {
    throw faults.businessValidation(
      `${element} must be a ${accountType} account; ${account.name} is ${String(account.record.AccountType)}.`,
      element,
    );
  }
  const detail: EntityRecord = { ...sent, [ref]: { value: account.value, name: account.name } };
  if (payType === 'Check') detail.PrintStatus = sent?.PrintStatus ?? 'NeedToPrint';
  return { payType, detail };
}

interface Application {
  bill: EntityRecord;
  cents: number;
  line: EntityRecord;
}

/** Each line pays one bill of this vendor, no more than it still owes. */
function applications(ctx: OperationContext, body: EntityRecord, vendorId: string): Application[] {
  const out: Application[] = [];
  const owing = new Map<string, number>();
  for (const line of linesOf(body)) {
    const cents = toCentsRounded(line.Amount);
    if (cents === undefined) throw faults.requiredParam('Line.Amount');
    if (cents <= 0) throw faults.invalidValue('Line.Amount', 'a payment line must be more than zero');
    const linked = Array.isArray(line.LinkedTxn) ? line.LinkedTxn.filter(isRecord) : [];
    if (linked.length !== 1) throw faults.requiredParam('Line.LinkedTxn');
    const link = linked[0]!;
    if (textField(link, 'TxnType') !== 'Bill') {
      throw faults.invalidValue('Line.LinkedTxn.TxnType', 'a bill payment line links a Bill');
    }
    const billId = textField(link, 'TxnId') ?? '';
    const bill = ctx.company.get('Bill', billId, ctx.visibleSeq);
    const billVendor = bill ? (bill.VendorRef as { value?: unknown } | undefined)?.value : undefined;
    if (!bill || String(billVendor) !== vendorId) {
      throw faults.invalidReference('Line.LinkedTxn.TxnId', 'Bill', billId);
    }
    const left = (owing.get(billId) ?? toCentsRounded(bill.Balance) ?? 0) - cents;
    if (left < 0) {
      throw faults.businessValidation(
        `The payment of ${centsToNumber(cents).toFixed(2)} is more than the ${centsToNumber(left + cents).toFixed(2)} still open on Bill ${billId}; enter at most the open balance.`,
        'Line.Amount',
      );
    }
    owing.set(billId, left);
    out.push({
      bill,
      cents,
      line: { Amount: centsToNumber(cents), LinkedTxn: [{ TxnId: billId, TxnType: 'Bill' }] },
    });
  }
  if (out.length === 0) throw faults.requiredParam('Line');
  return out;
}

/** The bill after this payment: lower Balance, a link back, a new SyncToken. */
function paidBill(ctx: OperationContext, bill: EntityRecord, cents: number, paymentId: string): EntityRecord {
  const balance = (toCentsRounded(bill.Balance) ?? 0) - cents;
  const links = Array.isArray(bill.LinkedTxn) ? bill.LinkedTxn : [];
  return {
    ...bill,
    Balance: centsToNumber(balance),
    LinkedTxn: [...links, { TxnId: paymentId, TxnType: 'BillPayment' }],
    SyncToken: nextSyncToken(bill),
    MetaData: touchedMeta(bill, ctx.nowMs),
  };
}

export function saveBillPayment(ctx: OperationContext, body: EntityRecord, isUpdate: boolean): EntityRecord {
  if (isUpdate) {
    throw faults.operationNotSupported('update', 'BillPayment', 'The emulator creates bill payments only.');
  }
  checkProperties(body, knownBillPayment, 'BillPayment');
  const vendorId = refValue(body, 'VendorRef');
  if (vendorId === undefined) throw faults.requiredParam('VendorRef');
  const vendor = resolveRef(ctx, 'Vendor', vendorId, 'VendorRef');
  const { payType, detail } = payingAccount(ctx, body);
  if (body.TotalAmt === undefined || body.TotalAmt === null) throw faults.requiredParam('TotalAmt');
  const totalCents = toCentsRounded(body.TotalAmt);
  if (totalCents === undefined) throw faults.invalidValue('TotalAmt', 'expected a number');
  const applied = applications(ctx, body, vendor.value);
  const appliedCents = applied.reduce((sum, a) => sum + a.cents, 0);
  if (appliedCents > totalCents) {
    throw faults.businessValidation(
      `The lines apply ${centsToNumber(appliedCents).toFixed(2)}, more than the payment's TotalAmt ${centsToNumber(totalCents).toFixed(2)}.`,
      'TotalAmt',
    );
  }
  const id = ctx.company.allocateId('BillPayment');
  const record: EntityRecord = {
    ...body,
    VendorRef: { value: vendor.value, name: vendor.name },
    PayType: payType,
    [payAccounts[payType as keyof typeof payAccounts].holder]: detail,
    TotalAmt: centsToNumber(totalCents),
    domain: 'QBO',
    sparse: false,
    Id: id,
    SyncToken: '0',
    MetaData: newMeta(ctx.nowMs),
    TxnDate: txnDates(ctx, body, 0).TxnDate,
    CurrencyRef: body.CurrencyRef ?? homeCurrency,
    Line: applied.map((a) => a.line),
  };
  for (const a of applied)
    ctx.company.replace('Bill', paidBill(ctx, ctx.company.get('Bill', String(a.bill.Id))!, a.cents, id));
  return ctx.company.insert('BillPayment', ordered(record, billPaymentOrder));
}
