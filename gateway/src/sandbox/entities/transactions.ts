/**
 * What Invoice and Bill share: DocNumber rules (2050, 6140, auto-numbering), dates, line amounts (6070),
 * and the generic update/delete/void flow with SyncToken checks.
 */
import { addDays, companyDate, isIsoDate } from '../clock';
import { docNumberKey, type EntityRecord } from '../company';
import { productCents, toCentsRounded } from '../decimal';
import { faults } from '../faults/fault-bodies';
import { isRecord, type OperationContext, textField } from './common';

export const maxDocNumberLength = 21;

export const transactionProperties = [
  'DocNumber',
  'TxnDate',
  'DepartmentRef',
  'CurrencyRef',
  'ExchangeRate',
  'PrivateNote',
  'TxnStatus',
  'LinkedTxn',
  'Line',
  'TxnTaxDetail',
  'SalesTermRef',
  'DueDate',
  'GlobalTaxCalculation',
  'TotalAmt',
  'HomeTotalAmt',
  'Balance',
  'HomeBalance',
  'TransactionLocationType',
  'TxnSource',
  'CustomField',
  'AttachableRef',
  'ProjectRef',
  'RecurDataRef',
  'TaxFormType',
  'TaxFormNum',
  'Tag',
];

/**
 * Validates a sent DocNumber (2050) and rejects a duplicate (6140) unless the caller allowed duplicates or
 * the company turned the duplicate-number warning off.
 * `vendorId` scopes Bills: QBO checks a bill number only against the same vendor's bills.
 */
export function checkDocNumber(
  ctx: OperationContext,
  type: 'Invoice' | 'Bill',
  docNumber: string | undefined,
  exceptId: string | undefined,
  vendorId?: string,
): void {
  if (docNumber === undefined) return;
  if (docNumber.length > maxDocNumberLength) {
    throw faults.stringLength('DocNumber', maxDocNumberLength, docNumber.length);
  }
  if (ctx.allowDuplicateDocNum || docNumber === '' || !ctx.company.duplicateDocNumberCheck) return;
  const holder = ctx.company
    .holders(docNumberKey(type, docNumber, vendorId))
    .find((ref) => ref.id !== exceptId);
  if (holder) throw faults.duplicateDocNumber(docNumber, type, holder.id);
}

/** QBO continues the last number used, keeping its prefix: `App_1000` → `App_1001`, none yet → `1001`. */
export function nextDocNumber(last: string | undefined): string {
  if (last === undefined) return '1001';
  const match = /^(.*?)(\d+)$/.exec(last);
  if (!match) return `${last}1`;
  const digits = match[2] ?? '0';
  const next = String(BigInt(digits) + 1n).padStart(digits.length, '0');
  return `${match[1]}${next}`;
}

export function dateField(body: EntityRecord, key: string): string | undefined {
  const value = textField(body, key);
  if (value === undefined) return undefined;
  if (!isIsoDate(value)) throw faults.invalidValue(key, `expected a date as YYYY-MM-DD, got "${value}"`);
  return value;
}

export function txnDates(
  ctx: OperationContext,
  body: EntityRecord,
  dueDays: number,
): { TxnDate: string; DueDate: string } {
  const txnDate = dateField(body, 'TxnDate') ?? companyDate(ctx.nowMs);
  const dueDate = dateField(body, 'DueDate') ?? addDays(txnDate, dueDays);
  return { TxnDate: txnDate, DueDate: dueDate };
}

/**
 * A line's amount in cents. `Amount` is required; with both Qty and UnitPrice it must equal
 * round_half_up(Qty × UnitPrice) (6070).
 */
export function lineAmountCents(line: EntityRecord, detail: EntityRecord | undefined): number {
  if (line.Amount === undefined || line.Amount === null) throw faults.requiredParam('Line.Amount');
  const cents = toCentsRounded(line.Amount);
  if (cents === undefined) throw faults.invalidValue('Line.Amount', 'expected a number');
  if (detail && detail.Qty !== undefined && detail.UnitPrice !== undefined) {
    const expected = productCents(detail.Qty, detail.UnitPrice);
    if (expected === undefined) throw faults.invalidValue('Line.Qty', 'Qty and UnitPrice must be numbers');
    if (expected !== cents) throw faults.amountCalculation(String(line.Amount));
  }
  return cents;
}

export function linesOf(body: EntityRecord): EntityRecord[] {
  const lines = body.Line;
  if (lines === undefined || lines === null) throw faults.requiredParam('Line');
  if (!Array.isArray(lines)) throw faults.invalidValue('Line', 'Line must be an array');
  const result: EntityRecord[] = [];
  for (const line of lines) {
    if (!isRecord(line)) throw faults.invalidValue('Line', 'every line must be an object');
    result.push(line);
  }
  return result;
}

/** The line properties QBO's Line schema knows. */
export const knownLineProperties = new Set([
  'Id',
  'LineNum',
  'Description',
  'Amount',
  'DetailType',
  'LinkedTxn',
  'CustomField',
  'ProjectRef',
  'SalesItemLineDetail',
  'DescriptionOnly',
  'DiscountLineDetail',
  'GroupLineDetail',
  'SubTotalLineDetail',
  'AccountBasedExpenseLineDetail',
  'ItemBasedExpenseLineDetail',
  'TaxLineDetail',
]);

export function checkLineProperties(line: EntityRecord, entity: string): void {
  for (const key of Object.keys(line)) {
    if (!knownLineProperties.has(key)) throw faults.unknownProperty(`Line.${key}`, entity);
  }
}

/** Delete of a transaction: 610 when missing, 5010 when stale; answers QBO's `status: Deleted` stub. */
export function deletedStub(id: string): EntityRecord {
  return { status: 'Deleted', domain: 'QBO', Id: id };
}
