import type { Cents } from '../../../shared/src/money';
import { formatCents } from '../../../shared/src/money';

/**
 * MIS rows → QuickBooks payloads: pure functions, no I/O. The MIS money columns are FLOAT; each is rounded
 * to cents once, here, and everything after carries integer cents (design.md: decimals only at the edges).
 */

/** A `tbl_imvoice` row as the adapter reads it (DATETIME as text, FLOAT as number). */
export interface MisInvoice {
  id: number;
  reg_no: string | null;
  fee_category: number | null;
  dept: number | null;
  credit: number | null;
  invoice_date: string | null;
  date?: string | null;
  comment: string | null;
  QuickBk_Status: number | null;
  pushed_by: string | null;
  quickbooks_id: string | null;
}

export interface MisCategory {
  id: number;
  name: string | null;
  QuickBk_ctgId: number | string | null;
}

/** A student (`tbl_personal_ug`) or applicant (`tbl_online_application`) who becomes a QBO customer. */
export interface MisParty {
  kind: 'student' | 'applicant';
  /** Primary key in its table (per_id_ug / appl_Id). */
  rowId: number;
  /** The invoice's reg_no: a registration number, or an applicant's tracking id. */
  key: string;
  givenName: string;
  middleName: string;
  familyName: string;
  emails: string[];
  phones: string[];
  /** QuickBooks Customer Id already written back (qk_id / quickbooks_id), if any. */
  qboId: string | null;
}

/** Whatever was checked and is ready for a payload, or the reason (a sentence for the MIS operator). */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Rounds a FLOAT column to cents (half away from zero) — the one place a float becomes money. */
export function floatToCents(value: number | string | null | undefined): Cents | null {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) return null;
  // FLOAT keeps ~7 significant digits: 1234.56 reads back as 1234.5600585…; rounding at 2 places recovers it.
  const cents = Math.round(Math.abs(number) * 100);
  return number < 0 && cents !== 0 ? -cents : cents;
}

/**
 * The amount billed (seed-systems.md §3.2): `dept − credit`, or `dept` when that is not positive; zero or
 * negative is refused with the seed's "Invalid amount" error.
 */
export function invoiceAmount(row: Pick<MisInvoice, 'id' | 'dept' | 'credit'>): Checked<Cents> {
  const dept = floatToCents(row.dept);
  const credit = floatToCents(row.credit) ?? 0;
  if (dept === null) {
    return { ok: false, reason: 'Invalid amount: dept is empty; fill in the amount billed (dept)' };
  }
  const net = dept - credit;
  const amount = net > 0 ? net : dept;
  if (amount <= 0) {
    return {
      ok: false,
      reason: `Invalid amount: dept ${formatCents(dept)}, credit ${formatCents(credit)} leave nothing to bill; check the dept and credit fields`,
    };
  }
  return { ok: true, value: amount };
}

/** `YYYY-MM-DD` from a DATETIME text; MySQL's zero date and malformed values count as missing. */
export function isoDate(value: string | null | undefined): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value ?? '');
  if (!match || match[1] === '0000' || match[2] === '00' || match[3] === '00') return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

export function docNumber(id: number): string {
  return `MIS-${id}`;
}

export interface InvoiceFacts {
  amountCents: Cents;
  itemId: string;
  txnDate: string;
  description: string;
  regNo: string;
}

/** Everything about an invoice that does not depend on its customer: amount, item, date, description. */
export function checkInvoice(row: MisInvoice, category: MisCategory | undefined): Checked<InvoiceFacts> {
  const regNo = (row.reg_no ?? '').trim();
  if (regNo === '') {
    return {
      ok: false,
      reason: 'Customer not found: the invoice has no reg_no; fill in the student registration number',
    };
  }
  if (row.fee_category === null || row.fee_category === undefined) {
    return { ok: false, reason: 'The invoice has no fee_category; set its income category' };
  }
  if (!category) {
    return {
      ok: false,
      reason: `Income category ${row.fee_category} does not exist in tbl_income_category; fix the invoice's fee_category`,
    };
  }
  const item = String(category.QuickBk_ctgId ?? '').trim();
  const categoryName = (category.name ?? '').trim() || `category ${category.id}`;
  if (!/^[1-9]\d*$/.test(item)) {
    return {
      ok: false,
      reason: `Income category "${categoryName}" (id ${category.id}) has no QuickBooks item (QuickBk_ctgId); map it to a QuickBooks item`,
    };
  }
  const amount = invoiceAmount(row);
  if (!amount.ok) return amount;
  const txnDate = isoDate(row.invoice_date) ?? isoDate(row.date);
  if (!txnDate) {
    return { ok: false, reason: 'The invoice has no valid invoice_date; fill in the invoice date' };
  }
  const comment = (row.comment ?? '').trim();
  const description = (comment ? `${categoryName} - ${comment}` : categoryName).slice(0, 4000);
  return { ok: true, value: { amountCents: amount.value, itemId: item, txnDate, description, regNo } };
}

/** The Invoice body sent to QuickBooks; money leaves integer cents only here. */
export function invoicePayload(
  row: MisInvoice,
  facts: InvoiceFacts,
  customerId: string,
): Record<string, unknown> {
  const amount = facts.amountCents / 100;
  return {
    DocNumber: docNumber(row.id),
    TxnDate: facts.txnDate,
    CustomerRef: { value: customerId },
    Line: [
      {
        DetailType: 'SalesItemLineDetail',
        Amount: amount,
        Description: facts.description,
        SalesItemLineDetail: { ItemRef: { value: facts.itemId }, Qty: 1, UnitPrice: amount },
      },
    ],
    PrivateNote: `Synchronized from MIS - Invoice ID: ${row.id}, Student: ${facts.regNo}`,
  };
}

const emailPattern =
  /^[^\s@"'<>(),;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** A deliverable-looking address within QuickBooks' 100 characters, or null (a bad one is left out). */
export function validEmail(value: string | null | undefined): string | null {
  const email = (value ?? '').trim();
  return email.length <= 100 && emailPattern.test(email) ? email : null;
}

/** A phone number with 7-15 digits and only phone punctuation, or null. */
export function validPhone(value: string | null | undefined): string | null {
  const phone = (value ?? '').trim();
  if (phone === '' || phone.length > 30 || !/^\+?[\d\s().-]+$/.test(phone)) return null;
  const digits = phone.replace(/\D/g, '').length;
  return digits >= 7 && digits <= 15 ? phone : null;
}

const clip = (text: string, max: number) => text.trim().replace(/\s+/g, ' ').slice(0, max);

/**
 * A new Customer for a student or applicant (seed-systems.md §3.2): DisplayName = the registration number
 * (or tracking id), the full name, and email/phone only when valid. The DisplayName itself is checked by
 * `qbo/` (validateDisplayName) when the customer is created.
 */
export function customerFields(party: MisParty): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const given = clip(party.givenName, 100);
  const middle = clip(party.middleName, 100);
  const family = clip(party.familyName, 100);
  if (given) fields.GivenName = given;
  if (middle) fields.MiddleName = middle;
  if (family) fields.FamilyName = family;
  const email = party.emails.map(validEmail).find((e) => e !== null);
  if (email) fields.PrimaryEmailAddr = { Address: email };
  const phone = party.phones.map(validPhone).find((p) => p !== null);
  if (phone) fields.PrimaryPhone = { FreeFormNumber: phone };
  fields.Notes =
    party.kind === 'student'
      ? `Student synchronized from MIS - Registration Number: ${party.key}`
      : `Applicant synchronized from MIS - Tracking ID: ${party.key}`;
  return fields;
}

export function customerNotFound(regNo: string): string {
  return `Customer not found: no student with reg_no "${regNo}" in tbl_personal_ug and no applicant with tracking_id "${regNo}" in tbl_online_application; verify the student data`;
}
