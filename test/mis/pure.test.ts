import { describe, expect, it } from 'vitest';
import { attemptOf, claimWorker, failedMark, failureReason } from '../../gateway/src/mis/claim';
import {
  MisInputError,
  readAllBody,
  readBatchBody,
  readInvoiceId,
  readPreviewQuery,
} from '../../gateway/src/mis/input';
import {
  checkInvoice,
  customerFields,
  floatToCents,
  invoiceAmount,
  invoicePayload,
  isoDate,
  type MisInvoice,
  validEmail,
  validPhone,
} from '../../gateway/src/mis/map-row';
import { missingColumns, poolOptionsFromUrl } from '../../gateway/src/mis/mis-db';

const row = (over: Partial<MisInvoice> = {}): MisInvoice => ({
  id: 7,
  reg_no: 'REG/1',
  fee_category: 1,
  dept: 150000,
  credit: 0,
  invoice_date: '2025-09-01 10:00:00',
  comment: null,
  QuickBk_Status: 0,
  pushed_by: null,
  quickbooks_id: null,
  ...over,
});
const category = { id: 1, name: 'Tuition Fee', QuickBk_ctgId: 6 };

describe('MIS row mapping', () => {
  it('rounds FLOAT money to cents once, half away from zero', () => {
    expect(floatToCents(1234.56005859375)).toBe(123_456); // FLOAT's 1234.56
    expect(floatToCents(0.1 + 0.2)).toBe(30);
    expect(floatToCents(-0.005)).toBe(-1);
    expect(floatToCents(null)).toBeNull();
    expect(floatToCents(Number.NaN)).toBeNull();
  });

  it('amount = dept − credit, or dept when that is not positive; zero or negative is refused', () => {
    expect(invoiceAmount({ id: 1, dept: 20000, credit: 5000.5 })).toEqual({ ok: true, value: 1_499_950 });
    expect(invoiceAmount({ id: 1, dept: 20000, credit: 25000 })).toEqual({ ok: true, value: 2_000_000 });
    expect(invoiceAmount({ id: 1, dept: 20000, credit: null })).toEqual({ ok: true, value: 2_000_000 });
    expect(invoiceAmount({ id: 1, dept: 0, credit: 0 })).toMatchObject({
      ok: false,
      reason: /^Invalid amount/,
    });
    expect(invoiceAmount({ id: 1, dept: -5, credit: 0 })).toMatchObject({ ok: false, reason: /dept -5\.00/ });
    expect(invoiceAmount({ id: 1, dept: null, credit: 0 })).toMatchObject({ ok: false });
  });

  it('dates: DATETIME text to YYYY-MM-DD; zero and impossible dates are missing', () => {
    expect(isoDate('2025-09-01 23:59:59')).toBe('2025-09-01');
    expect(isoDate('0000-00-00 00:00:00')).toBeNull();
    expect(isoDate('2025-02-30')).toBeNull();
    expect(checkInvoice(row({ invoice_date: null, date: '2025-03-04 00:00:00' }), category)).toMatchObject({
      ok: true,
      value: { txnDate: '2025-03-04' },
    });
    expect(checkInvoice(row({ invoice_date: null }), category)).toMatchObject({
      ok: false,
      reason: /invoice_date/,
    });
  });

  it('category → item; an unmapped or missing category names itself', () => {
    expect(checkInvoice(row(), { ...category, QuickBk_ctgId: null })).toMatchObject({
      ok: false,
      reason:
        'Income category "Tuition Fee" (id 1) has no QuickBooks item (QuickBk_ctgId); map it to a QuickBooks item',
    });
    expect(checkInvoice(row(), undefined)).toMatchObject({ ok: false, reason: /category 1 does not exist/ });
    expect(checkInvoice(row({ reg_no: '  ' }), category)).toMatchObject({
      ok: false,
      reason: /^Customer not found/,
    });
  });

  it('builds the seed payload: MIS-<id>, one line, PrivateNote with id and registration number', () => {
    const checked = checkInvoice(row({ comment: "O'Neill — 1ère" }), category);
    if (!checked.ok) throw new Error(checked.reason);
    expect(invoicePayload(row(), checked.value, '58')).toEqual({
      DocNumber: 'MIS-7',
      TxnDate: '2025-09-01',
      CustomerRef: { value: '58' },
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          Amount: 150000,
          Description: "Tuition Fee - O'Neill — 1ère",
          SalesItemLineDetail: { ItemRef: { value: '6' }, Qty: 1, UnitPrice: 150000 },
        },
      ],
      PrivateNote: 'Synchronized from MIS - Invoice ID: 7, Student: REG/1',
    });
  });

  it('customers: full name, and email/phone only when valid', () => {
    expect(validEmail('a.b@example.rw')).toBe('a.b@example.rw');
    for (const bad of ['not-an-email', 'a@b', 'a b@c.rw', "o'neil@@x.ie", ''])
      expect(validEmail(bad)).toBeNull();
    expect(validPhone('+250 788 123 456')).toBe('+250 788 123 456');
    expect(validPhone('12')).toBeNull();
    expect(validPhone('call me')).toBeNull();
    const fields = customerFields({
      kind: 'student',
      rowId: 1,
      key: 'REG/1',
      givenName: ' Zoë ',
      middleName: '',
      familyName: "O'Neill",
      emails: ['bad', 'zoe@example.ie'],
      phones: ['x'],
      qboId: null,
    });
    expect(fields).toEqual({
      GivenName: 'Zoë',
      FamilyName: "O'Neill",
      PrimaryEmailAddr: { Address: 'zoe@example.ie' },
      Notes: 'Student synchronized from MIS - Registration Number: REG/1',
    });
  });
});

describe('claim marks', () => {
  it('carry the worker, the attempt and the failure reason within 200 characters', () => {
    expect(claimWorker('qb-bridge claim host-1#4242/ab12 try 2')).toEqual({ host: 'host-1', pid: 4242 });
    expect(claimWorker('InvoiceSyncService')).toBeUndefined();
    expect(attemptOf('qb-bridge claim h#1/ab try 3')).toBe(3);
    const mark = failedMark(2, 3, 'x'.repeat(500));
    expect(mark).toHaveLength(200);
    expect(mark.startsWith('qb-bridge failed 2/3: x')).toBe(true);
    expect(failureReason('qb-bridge failed 1/3: Customer not found')).toBe('Customer not found');
    expect(failureReason('legacy error text')).toBe('legacy error text');
  });
});

describe('inputs', () => {
  it('accepts whole numbers in range and refuses the rest with a sentence', () => {
    expect(readBatchBody(undefined)).toEqual({ batchSize: 50, dryRun: false, retryRejected: false });
    expect(readBatchBody({ batch_size: 100, dry_run: true, retry_rejected: true })).toEqual({
      batchSize: 100,
      dryRun: true,
      retryRejected: true,
    });
    expect(readAllBody({ max_batches: 10 })).toEqual({
      maxBatches: 10,
      batchSize: 50,
      dryRun: false,
      retryRejected: false,
    });
    for (const bad of [
      { batch_size: -1 },
      { batch_size: '5' },
      { batch_size: 101 },
      { batch_size: 1e300 },
      'x',
    ]) {
      expect(() => readBatchBody(bad)).toThrow(MisInputError);
    }
    expect(readPreviewQuery('20', undefined)).toEqual({ limit: 20, offset: 0 });
    expect(() => readPreviewQuery('0', undefined)).toThrow(/limit/);
    expect(readInvoiceId('12345')).toBe(12345);
    expect(() => readInvoiceId('2147483648')).toThrow(/invoice id/);
  });

  it('pool options: utf8mb4, UTC, bounded, TLS passed through; schema check names missing columns', () => {
    const options = poolOptionsFromUrl('mysql://u:p%40ss@db.example:3307/mis?ssl=required');
    expect(options).toMatchObject({
      host: 'db.example',
      port: 3307,
      user: 'u',
      password: 'p@ss',
      database: 'mis',
      charset: 'utf8mb4',
      timezone: 'Z',
      connectionLimit: 5,
      ssl: { rejectUnauthorized: true },
    });
    expect(poolOptionsFromUrl('mysql://root@127.0.0.1/mis').ssl).toBeUndefined();
    expect(missingColumns({ tbl_imvoice: new Set(['id']) })).toContain('tbl_imvoice.pushed_by');
    expect(missingColumns({ tbl_imvoice: new Set(['id']) })).toContain('tbl_personal_ug');
  });
});
