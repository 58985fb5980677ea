/**
 * Bill create/update (qbo-api.md §6.4): VendorRef and Line required, AccountBased or ItemBased lines,
 * default A/P account, no SubTotal line, Balance = TotalAmt, DocNumber is the vendor's (never generated).
 */
import type { EntityRecord } from '../company';
import { centsToNumber } from '../decimal';
import { faults } from '../faults/fault-bodies';
import {
  checkProperties,
  commonProperties,
  currentForChange,
  homeCurrency,
  isRecord,
  mergeForUpdate,
  newMeta,
  nextSyncToken,
  type OperationContext,
  ordered,
  refValue,
  resolveRef,
  textField,
  touchedMeta,
} from './common';
import {
  checkDocNumber,
  checkLineProperties,
  lineAmountCents,
  linesOf,
  transactionProperties,
  txnDates,
} from './transactions';

const knownBill = new Set([
  ...commonProperties,
  ...transactionProperties,
  'VendorRef',
  'APAccountRef',
  'VendorAddr',
]);

const billOrder = [
  'DueDate',
  'Balance',
  'domain',
  'sparse',
  'Id',
  'SyncToken',
  'MetaData',
  'DocNumber',
  'TxnDate',
  'CurrencyRef',
  'PrivateNote',
  'LinkedTxn',
  'Line',
  'VendorRef',
  'APAccountRef',
  'SalesTermRef',
  'TotalAmt',
];

function expenseLines(
  ctx: OperationContext,
  sent: EntityRecord[],
): { lines: EntityRecord[]; totalCents: number } {
  const lines: EntityRecord[] = [];
  let totalCents = 0;
  for (const line of sent) {
    checkLineProperties(line, 'Bill');
    const detailType = textField(line, 'DetailType');
    if (detailType === undefined) throw faults.requiredParam('Line.DetailType');
    if (detailType !== 'AccountBasedExpenseLineDetail' && detailType !== 'ItemBasedExpenseLineDetail') {
      throw faults.invalidValue('Line.DetailType', `${detailType} is not a valid bill line type`);
    }
    const detail = isRecord(line[detailType]) ? (line[detailType] as EntityRecord) : undefined;
    if (!detail) throw faults.requiredParam(`Line.${detailType}`);
    const cents = lineAmountCents(line, detail);
    const number = lines.length + 1;
    const out: EntityRecord = { Id: String(number), LineNum: number };
    if (line.Description !== undefined) out.Description = textField(line, 'Description');
    out.Amount = centsToNumber(cents);
    out.DetailType = detailType;
    const outDetail: EntityRecord = { ...detail, TaxCodeRef: detail.TaxCodeRef ?? { value: 'NON' } };
    if (detailType === 'AccountBasedExpenseLineDetail') {
      const element = 'Line.AccountBasedExpenseLineDetail.AccountRef';
      const accountId = refValue(detail, 'AccountRef', element);
      if (accountId === undefined) throw faults.requiredParam(element);
      const account = resolveRef(ctx, 'Account', accountId, element);
      outDetail.AccountRef = { value: account.value, name: account.name };
      outDetail.BillableStatus = detail.BillableStatus ?? 'NotBillable';
    } else {
      const element = 'Line.ItemBasedExpenseLineDetail.ItemRef';
      const itemId = refValue(detail, 'ItemRef', element);
      if (itemId === undefined) throw faults.requiredParam(element);
      const item = resolveRef(ctx, 'Item', itemId, element);
      outDetail.ItemRef = { value: item.value, name: item.name };
      outDetail.BillableStatus = detail.BillableStatus ?? 'NotBillable';
    }
    const customerElement = `Line.${detailType}.CustomerRef`;
    const customerId = refValue(detail, 'CustomerRef', customerElement);
    if (customerId !== undefined) {
      const customer = resolveRef(ctx, 'Customer', customerId, customerElement);
      outDetail.CustomerRef = { value: customer.value, name: customer.name };
    }
    out[detailType] = outDetail;
    totalCents += cents;
    lines.push(out);
  }
  if (lines.length === 0) throw faults.requiredParam('Line');
  return { lines, totalCents };
}

function defaultPayablesAccount(ctx: OperationContext): EntityRecord | undefined {
  return ctx.company.list('Account').find((a) => a.AccountType === 'Accounts Payable' && a.Active !== false);
}

export function saveBill(ctx: OperationContext, body: EntityRecord, isUpdate: boolean): EntityRecord {
  checkProperties(body, knownBill, 'Bill');
  const existing = isUpdate ? currentForChange(ctx, 'Bill', body) : undefined;
  const merged = existing ? mergeForUpdate(existing, body) : { ...body };
  const vendorId = refValue(merged, 'VendorRef');
  if (vendorId === undefined) throw faults.requiredParam('VendorRef');
  const vendor = resolveRef(ctx, 'Vendor', vendorId, 'VendorRef');
  const { lines, totalCents } = expenseLines(ctx, linesOf(merged));

  let apAccount: { value: string; name: string };
  const apId = refValue(merged, 'APAccountRef');
  if (apId !== undefined) {
    const resolved = resolveRef(ctx, 'Account', apId, 'APAccountRef');
    apAccount = { value: resolved.value, name: resolved.name };
  } else {
    const fallback = defaultPayablesAccount(ctx);
    if (!fallback) throw faults.requiredParam('APAccountRef');
    apAccount = { value: String(fallback.Id), name: String(fallback.Name) };
  }

  const docNumber = textField(merged, 'DocNumber');
  // QBO warns about a vendor's bill number only within that vendor: two vendors may both send "1001".
  checkDocNumber(ctx, 'Bill', docNumber, existing ? String(existing.Id) : undefined, vendor.value);
  const dates = txnDates(ctx, merged, 0);
  const record: EntityRecord = {
    LinkedTxn: [],
    ...merged,
    domain: 'QBO',
    sparse: false,
    CurrencyRef: merged.CurrencyRef ?? homeCurrency,
    VendorRef: { value: vendor.value, name: vendor.name },
    APAccountRef: apAccount,
    Line: lines,
    TxnDate: dates.TxnDate,
    DueDate: dates.DueDate,
    TotalAmt: centsToNumber(totalCents),
    Balance: centsToNumber(totalCents),
    DocNumber: docNumber,
  };
  record.Id = existing ? existing.Id : ctx.company.allocateId('Bill');
  record.SyncToken = existing ? nextSyncToken(existing) : '0';
  record.MetaData = existing ? touchedMeta(existing, ctx.nowMs) : newMeta(ctx.nowMs);
  const final = ordered(record, billOrder);
  return existing ? ctx.company.replace('Bill', final) : ctx.company.insert('Bill', final);
}
