/**
 * Invoice create/update/void as QBO does it (qbo-api.md §6.2, §14): LineNum and line Ids, ref names,
 * a trailing SubTotal line, DocNumber echo or auto-number, TxnDate today, DueDate +30, Balance = TotalAmt.
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
  dateField,
  lineAmountCents,
  linesOf,
  nextDocNumber,
  transactionProperties,
  txnDates,
} from './transactions';

const knownInvoice = new Set([
  ...commonProperties,
  ...transactionProperties,
  'CustomerRef',
  'CustomerMemo',
  'BillAddr',
  'ShipAddr',
  'FreeFormAddress',
  'ShipFromAddr',
  'ClassRef',
  'ShipMethodRef',
  'ShipDate',
  'TrackingNum',
  'ApplyTaxAfterDiscount',
  'PrintStatus',
  'EmailStatus',
  'BillEmail',
  'BillEmailCc',
  'BillEmailBcc',
  'DeliveryInfo',
  'Deposit',
  'DepositToAccountRef',
  'AllowIPNPayment',
  'AllowOnlinePayment',
  'AllowOnlineCreditCardPayment',
  'AllowOnlineACHPayment',
  'InvoiceLink',
  'TaxExemptionRef',
  'EInvoiceStatus',
  'HomeAmtTotal',
  'SalesRepRef',
  'PONumber',
]);

const invoiceOrder = [
  'AllowIPNPayment',
  'AllowOnlinePayment',
  'AllowOnlineCreditCardPayment',
  'AllowOnlineACHPayment',
  'domain',
  'sparse',
  'Id',
  'SyncToken',
  'MetaData',
  'CustomField',
  'DocNumber',
  'TxnDate',
  'CurrencyRef',
  'PrivateNote',
  'LinkedTxn',
  'Line',
  'TxnTaxDetail',
  'CustomerRef',
  'CustomerMemo',
  'BillAddr',
  'ShipAddr',
  'SalesTermRef',
  'DueDate',
  'TotalAmt',
  'ApplyTaxAfterDiscount',
  'PrintStatus',
  'EmailStatus',
  'BillEmail',
  'Balance',
];

const salesDetailTypes = new Set([
  'SalesItemLineDetail',
  'DescriptionOnly',
  'DiscountLineDetail',
  'GroupLineDetail',
  'SubTotalLineDetail',
]);

const dueDays = 30;

/** Builds the stored lines (sans SubTotal) and the total in cents. */
function salesLines(
  ctx: OperationContext,
  sent: EntityRecord[],
): { lines: EntityRecord[]; totalCents: number } {
  const lines: EntityRecord[] = [];
  let totalCents = 0;
  for (const line of sent) {
    checkLineProperties(line, 'Invoice');
    const detailType = textField(line, 'DetailType');
    if (detailType === undefined) throw faults.requiredParam('Line.DetailType');
    if (!salesDetailTypes.has(detailType)) {
      throw faults.invalidValue('Line.DetailType', `${detailType} is not a valid invoice line type`);
    }
    // QBO recomputes the subtotal; a sent SubTotal line is replaced by its own.
    if (detailType === 'SubTotalLineDetail') continue;
    const number = lines.length + 1;
    const out: EntityRecord = { Id: String(number), LineNum: number };
    if (line.Description !== undefined) out.Description = textField(line, 'Description');
    if (detailType === 'DescriptionOnly') {
      out.DetailType = detailType;
      out.DescriptionOnly = isRecord(line.DescriptionOnly) ? line.DescriptionOnly : {};
      lines.push(out);
      continue;
    }
    const detail = isRecord(line[detailType]) ? (line[detailType] as EntityRecord) : undefined;
    const cents = lineAmountCents(line, detail);
    out.Amount = centsToNumber(cents);
    out.DetailType = detailType;
    if (detailType === 'SalesItemLineDetail') {
      if (!detail) throw faults.requiredParam('Line.SalesItemLineDetail');
      const itemId = refValue(detail, 'ItemRef', 'Line.SalesItemLineDetail.ItemRef');
      if (itemId === undefined) throw faults.requiredParam('Line.SalesItemLineDetail.ItemRef');
      const item = resolveRef(ctx, 'Item', itemId, 'Line.SalesItemLineDetail.ItemRef');
      out.SalesItemLineDetail = {
        ...detail,
        ItemRef: { value: item.value, name: item.name },
        TaxCodeRef: detail.TaxCodeRef ?? { value: 'NON' },
      };
      totalCents += cents;
    } else if (detailType === 'DiscountLineDetail') {
      out.DiscountLineDetail = detail ?? {};
      totalCents -= cents;
    } else {
      out[detailType] = detail ?? {};
      totalCents += cents;
    }
    lines.push(out);
  }
  if (lines.length === 0) throw faults.requiredParam('Line');
  return { lines, totalCents };
}

function addressOf(customer: EntityRecord, key: string): unknown {
  return isRecord(customer[key]) ? customer[key] : undefined;
}

export function saveInvoice(ctx: OperationContext, body: EntityRecord, isUpdate: boolean): EntityRecord {
  checkProperties(body, knownInvoice, 'Invoice');
  const existing = isUpdate ? currentForChange(ctx, 'Invoice', body) : undefined;
  if (existing && existing.PrivateNote === 'Voided' && existing.TotalAmt === 0 && body.Line !== undefined) {
    throw faults.businessValidation('This transaction has been voided; its lines can no longer be changed.');
  }
  const merged = existing ? mergeForUpdate(existing, body) : { ...body };
  const customerId = refValue(merged, 'CustomerRef');
  if (customerId === undefined) throw faults.requiredParam('CustomerRef');
  const customer = resolveRef(ctx, 'Customer', customerId, 'CustomerRef');
  const { lines, totalCents } = salesLines(ctx, linesOf(merged));

  let docNumber = textField(merged, 'DocNumber');
  const sentDocNumber = docNumber !== undefined;
  if (docNumber === undefined && !existing && !ctx.company.customTxnNumbers) {
    docNumber = nextDocNumber(ctx.company.lastInvoiceNumber);
  }
  checkDocNumber(ctx, 'Invoice', docNumber, existing ? String(existing.Id) : undefined);

  const dates = txnDates(ctx, merged, dueDays);
  if (existing && body.sparse === true && body.TxnDate !== undefined && body.DueDate === undefined) {
    dates.DueDate = dateField(existing, 'DueDate') ?? dates.DueDate;
  }
  const balanceCents = totalCents;
  const record: EntityRecord = {
    AllowIPNPayment: false,
    AllowOnlinePayment: false,
    AllowOnlineCreditCardPayment: false,
    AllowOnlineACHPayment: false,
    CustomField: [],
    LinkedTxn: [],
    ApplyTaxAfterDiscount: false,
    PrintStatus: 'NeedToPrint',
    EmailStatus: 'NotSet',
    BillAddr: addressOf(customer.record, 'BillAddr'),
    ShipAddr: addressOf(customer.record, 'ShipAddr') ?? addressOf(customer.record, 'BillAddr'),
    ...merged,
    domain: 'QBO',
    sparse: false,
    CurrencyRef: merged.CurrencyRef ?? homeCurrency,
    CustomerRef: { value: customer.value, name: customer.name },
    Line: [
      ...lines,
      { Amount: centsToNumber(totalCents), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
    ],
    TxnTaxDetail: { TotalTax: 0 },
    TxnDate: dates.TxnDate,
    DueDate: dates.DueDate,
    TotalAmt: centsToNumber(totalCents),
    Balance: centsToNumber(balanceCents),
    DocNumber: docNumber,
  };
  if (record.EmailStatus === 'NeedToSend' && !isRecord(record.BillEmail)) {
    throw faults.businessValidation(
      'Need to send invoice requires a billing e-mail address (BillEmail.Address).',
    );
  }
  record.Id = existing ? existing.Id : ctx.company.allocateId('Invoice');
  record.SyncToken = existing ? nextSyncToken(existing) : '0';
  record.MetaData = existing ? touchedMeta(existing, ctx.nowMs) : newMeta(ctx.nowMs);
  if (docNumber !== undefined && (sentDocNumber || !existing)) ctx.company.lastInvoiceNumber = docNumber;
  const final = ordered(record, invoiceOrder);
  return existing ? ctx.company.replace('Invoice', final) : ctx.company.insert('Invoice', final);
}

/** Void keeps the invoice with zero amounts and the note "Voided" (what QBO shows). */
export function voidInvoice(ctx: OperationContext, body: EntityRecord): EntityRecord {
  const existing = currentForChange(ctx, 'Invoice', body);
  const lines = Array.isArray(existing.Line) ? (existing.Line as EntityRecord[]) : [];
  const record: EntityRecord = {
    ...existing,
    Line: lines.map((line) => ({ ...line, Amount: 0 })),
    TotalAmt: 0,
    Balance: 0,
    PrivateNote: 'Voided',
    SyncToken: nextSyncToken(existing),
    MetaData: touchedMeta(existing, ctx.nowMs),
  };
  return ctx.company.replace('Invoice', ordered(record, invoiceOrder));
}
