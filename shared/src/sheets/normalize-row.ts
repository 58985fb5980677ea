import type { CellValue, SheetRowInput } from './contract';
import { type Direction, type Directions, directionOf } from './directions';
import { docNumberOf } from './docnumber';
import { parseMoneyText } from './money-text';
import { parseSheetDate } from './sheet-date';

/**
 * One sheet row checked and turned into what the mapping needs (seed 001 data-mapping table), or every
 * problem found on it at once, each a sentence that says what to change in which cell.
 */
export interface NormalizedRow {
  rowId: string;
  sheetRow: number;
  docNumber: string;
  direction: Direction;
  /** Customer (money in: `to_client`, else `end_client`) or vendor (money out: `inv_from`) name. */
  party: string;
  amountCents: number;
  txnDate: string;
  serviceDate?: string;
  /** `Inv_paid_date` when it is a date: the day a bill was paid (QBO_AUTO_MARK_BILL_PAID pays it then). */
  paidDate?: string;
  description: string;
  /** Internal facts for PrivateNote: the source document link first, so truncation never drops it. */
  noteParts: string[];
  invLink: string;
  warnings: string[];
}

export type RowCheck =
  | { ok: true; row: NormalizedRow }
  | { ok: false; rowId: string; sheetRow: number; errors: string[]; direction?: Direction };

export interface NormalizeOptions {
  directions: Directions;
  docPrefix?: string;
  /** Today as YYYY-MM-DD, the TxnDate of a row without `submitted_date`. */
  today: string;
}

export const descriptionMax = 4000;
export const defaultDescription = 'Professional services';

const text = (v: CellValue | undefined) => (v === null || v === undefined ? '' : String(v).trim());

export function normalizeRow(input: SheetRowInput, options: NormalizeOptions): RowCheck {
  const v = input.values;
  const errors: string[] = [];
  const warnings: string[] = [];

  const doc = docNumberOf(v.invoice, options.docPrefix);
  if (!doc.ok) errors.push(doc.error);

  const dir = directionOf(text(v.inv_from), options.directions);
  if (!dir.ok) errors.push(dir.error);
  const direction = dir.ok ? dir.direction : undefined;

  let party = '';
  if (direction === 'money_out') {
    party = text(v.inv_from);
  } else {
    party = text(v.to_client) || text(v.end_client);
    if (party === '') errors.push('to_client and end_client are both empty; fill in the client to invoice');
  }

  let amountCents = 0;
  const money = parseMoneyText(v.inv_dollars);
  if (!money.ok) {
    errors.push(`inv_dollars: ${money.error}`);
  } else if (money.cents < 0) {
    errors.push(
      `inv_dollars is negative (${text(v.inv_dollars)}); a sheet row creates an invoice or bill, not a credit — enter the amount without a minus sign or brackets`,
    );
  } else if (money.cents === 0) {
    errors.push('inv_dollars is 0; QuickBooks would get an empty invoice — fill in the amount');
  } else {
    amountCents = money.cents;
  }

  let txnDate = options.today;
  if (text(v.submitted_date) !== '' || typeof v.submitted_date === 'number') {
    const d = parseSheetDate(v.submitted_date);
    if (d.ok) txnDate = d.date;
    else errors.push(`submitted_date: ${d.error}`);
  }
  let paidDate: string | undefined;
  if (text(v.inv_paid_date) !== '') {
    const paid = parseSheetDate(v.inv_paid_date);
    if (paid.ok) paidDate = paid.date;
    else warnings.push(`Inv_paid_date is not a date (${paid.error}); it was ignored`);
  }
  let serviceDate: string | undefined;
  if (text(v.job_start) !== '') {
    const start = parseSheetDate(v.job_start);
    if (start.ok) serviceDate = start.date;
    else warnings.push(`job_start is not a date (${start.error}); the line has no service date`);
  }

  const jobName = text(v.job_name);
  const task = text(v.task_descr);
  let description = jobName && task ? `${jobName}: ${task}` : jobName || task || defaultDescription;
  if (description.length > descriptionMax) {
    description = `${description.slice(0, descriptionMax - 1)}…`;
    warnings.push(`The description was cut to QuickBooks' ${descriptionMax} characters`);
  }

  const invLink = text(v.inv_link);
  const noteParts: string[] = [];
  if (invLink) noteParts.push(`Source: ${invLink}`);
  for (const [label, key] of [
    ['Notes', 'notes'],
    ['Thread', 'thread'],
    ['From', 'inv_from'],
    ['Broker chain', 'broker_chain'],
    ['Owed to ACD', 'owed2acd'],
    ['Owed to workers', 'owed2workers'],
  ] as const) {
    const value = text(v[key]);
    if (value) noteParts.push(`${label}: ${value}`);
  }
  const jobEnd = text(v.job_end);
  if (text(v.job_start) || jobEnd) noteParts.push(`Job: ${text(v.job_start) || '?'} to ${jobEnd || '?'}`);

  if (errors.length > 0 || !doc.ok || !direction) {
    return {
      ok: false,
      rowId: input.rowId,
      sheetRow: input.sheetRow,
      errors,
      ...(direction ? { direction } : {}),
    };
  }
  return {
    ok: true,
    row: {
      rowId: input.rowId,
      sheetRow: input.sheetRow,
      docNumber: doc.docNumber,
      direction,
      party,
      amountCents,
      txnDate,
      ...(serviceDate ? { serviceDate } : {}),
      ...(paidDate ? { paidDate } : {}),
      description,
      noteParts,
      invLink,
      warnings,
    },
  };
}
