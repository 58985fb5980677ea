import type { MisCategory, MisInvoice, MisParty } from './map-row';
import { type MisDb, presentOptional, requiredColumns } from './mis-db';

/**
 * Reading what a page of invoices refers to — categories, students, applicants — with one `IN (…)` query
 * per table, and writing a new QuickBooks customer id back to the student or applicant row.
 */

/** The invoice columns a page reads: the ones the flow requires, plus the optional ones this MIS has. */
export const invoiceColumns = (db: MisDb): string =>
  [...(requiredColumns.tbl_imvoice ?? []), ...presentOptional(db, 'tbl_imvoice')]
    .map((c) => `\`${c}\``)
    .join(', ');

export async function loadCategories(
  db: MisDb,
  invoices: readonly MisInvoice[],
): Promise<Map<number, MisCategory>> {
  const ids = [...new Set(invoices.map((i) => i.fee_category).filter((v): v is number => v !== null))];
  if (ids.length === 0) return new Map();
  const rows = await db.select<MisCategory>(
    'SELECT id, name, QuickBk_ctgId FROM tbl_income_category WHERE id IN (?)',
    [ids],
  );
  return new Map(rows.map((r) => [Number(r.id), r]));
}

type Row = Record<string, unknown>;
const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const present = (values: unknown[]): string[] => values.map(text).filter((v) => v.trim() !== '');

/**
 * The party behind each reg_no: a student by registration number, else an applicant by tracking id (the
 * seed's order). Several rows with one key: the lowest id wins, so the choice is stable between runs.
 */
export async function loadParties(db: MisDb, keys: readonly string[]): Promise<Map<string, MisParty>> {
  const wanted = [...new Set(keys.map((k) => k.trim()).filter((k) => k !== ''))];
  const out = new Map<string, MisParty>();
  if (wanted.length === 0) return out;
  const studentExtra = presentOptional(db, 'tbl_personal_ug');
  const students = await db.select<Row>(
    `SELECT per_id_ug, reg_no, fname, lname, qk_id${studentExtra.map((c) => `, \`${c}\``).join('')}
     FROM tbl_personal_ug WHERE reg_no IN (?) ORDER BY per_id_ug`,
    [wanted],
  );
  for (const s of students) {
    const key = text(s.reg_no).trim();
    if (out.has(key)) continue;
    out.set(key, {
      kind: 'student',
      rowId: Number(s.per_id_ug),
      key,
      givenName: text(s.fname),
      middleName: text(s.middlename),
      familyName: text(s.lname),
      emails: present([s.email1, s.email2]),
      phones: present([s.phone1, s.phone2]),
      qboId: text(s.qk_id).trim() || null,
    });
  }
  const rest = wanted.filter((k) => !out.has(k));
  if (rest.length === 0) return out;
  const applicantExtra = presentOptional(db, 'tbl_online_application');
  const applicants = await db.select<Row>(
    `SELECT appl_Id, tracking_id, first_name, family_name, quickbooks_id${applicantExtra.map((c) => `, \`${c}\``).join('')}
     FROM tbl_online_application WHERE tracking_id IN (?) ORDER BY appl_Id`,
    [rest],
  );
  for (const a of applicants) {
    const key = text(a.tracking_id).trim();
    if (out.has(key)) continue;
    out.set(key, {
      kind: 'applicant',
      rowId: Number(a.appl_Id),
      key,
      givenName: text(a.first_name),
      middleName: text(a.middlename),
      familyName: text(a.family_name),
      emails: present([a.email]),
      phones: present([a.phone, a.phone_number]),
      qboId: text(a.quickbooks_id).trim() || null,
    });
  }
  return out;
}

/**
 * Records new QuickBooks customers on the student (`qk_id`) and applicant (`quickbooks_id`) rows: one
 * statement per table and page, a CASE on the row id.
 */
export async function writeCustomerIds(
  db: MisDb,
  links: ReadonlyArray<{ party: MisParty; qboId: string }>,
): Promise<void> {
  const students = links.filter((l) => l.party.kind === 'student');
  const applicants = links.filter((l) => l.party.kind === 'applicant');
  if (students.length > 0) {
    const status = db.has('tbl_personal_ug', 'QuickBk_Status') ? ', QuickBk_Status = 1' : '';
    const when = db.has('tbl_personal_ug', 'pushed_date') ? ', pushed_date = UTC_TIMESTAMP()' : '';
    await db.update(
      `UPDATE tbl_personal_ug SET qk_id = CASE per_id_ug ${students.map(() => 'WHEN ? THEN ?').join(' ')} END${status}${when}
       WHERE per_id_ug IN (?)`,
      [...students.flatMap((l) => [l.party.rowId, l.qboId]), students.map((l) => l.party.rowId)],
    );
  }
  if (applicants.length > 0) {
    await db.update(
      `UPDATE tbl_online_application SET quickbooks_id = CASE appl_Id ${applicants.map(() => 'WHEN ? THEN ?').join(' ')} END
       WHERE appl_Id IN (?)`,
      [...applicants.flatMap((l) => [l.party.rowId, l.qboId]), applicants.map((l) => l.party.rowId)],
    );
  }
}
