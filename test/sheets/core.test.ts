import { describe, expect, it } from 'vitest';
import { headerIndex, missingQbColumns } from '../../shared/src/sheets/columns';
import type { SheetRowInput } from '../../shared/src/sheets/contract';
import { allMoneyIn, directionOf, parseDirections } from '../../shared/src/sheets/directions';
import { docNumberOf } from '../../shared/src/sheets/docnumber';
import { eligibility, withBillSiblings } from '../../shared/src/sheets/eligibility';
import { groupNote, groupRows } from '../../shared/src/sheets/group';
import { parseMoneyText } from '../../shared/src/sheets/money-text';
import { type NormalizedRow, normalizeRow } from '../../shared/src/sheets/normalize-row';
import { parseSheetDate } from '../../shared/src/sheets/sheet-date';
import { bytesToHex, splitAddonKey } from '../../shared/src/sheets/signing';

const cents = (v: unknown) => {
  const r = parseMoneyText(v);
  return r.ok ? r.cents : r.error;
};

describe('money text', () => {
  it('reads the sane forms people type', () => {
    expect(cents('$1,234.50')).toBe(123450);
    expect(cents('1234.5')).toBe(123450);
    expect(cents('1,234,567')).toBe(123456700);
    expect(cents(' 12 ')).toBe(1200);
    expect(cents('.5')).toBe(50);
    expect(cents('(12.00)')).toBe(-1200);
    expect(cents('-$3.07')).toBe(-307);
    expect(cents('USD 10')).toBe(1000);
    expect(cents(1234.56)).toBe(123456);
    expect(cents(0.1 + 0.2)).toBe(30);
  });

  it('refuses what is ambiguous or not money, with a sentence', () => {
    expect(cents('1,2,3')).toMatch(/thousands separators/);
    expect(cents('12,34')).toMatch(/thousands separators/);
    expect(cents('12.345')).toMatch(/more than two decimals/);
    expect(cents(12.345)).toMatch(/more than two decimals/);
    expect(cents('abc')).toMatch(/not an amount/);
    expect(cents('')).toMatch(/empty/);
    expect(cents(null)).toMatch(/empty/);
    expect(cents('--5')).toMatch(/not an amount/);
    expect(cents('$')).toMatch(/not an amount/);
  });
});

describe('sheet dates', () => {
  const date = (v: unknown) => {
    const r = parseSheetDate(v);
    return r.ok ? r.date : `ERR ${r.error}`;
  };
  it('reads ISO, US and serial forms', () => {
    expect(date('2026-03-04')).toBe('2026-03-04');
    expect(date('2026-3-4')).toBe('2026-03-04');
    expect(date('2026-03-04T10:00:00Z')).toBe('2026-03-04');
    expect(date('3/4/2026')).toBe('2026-03-04');
    expect(date('03/04/26')).toBe('2026-03-04');
    expect(date(45658)).toBe('2025-01-01');
    expect(date('45658')).toBe('2025-01-01');
    expect(date(45658.75)).toBe('2025-01-01');
  });
  it('refuses impossible dates instead of rolling them over', () => {
    expect(date('2026-02-30')).toMatch(/not a real date/);
    expect(date('13/1/2026')).toMatch(/not a real date/);
    expect(date('next tuesday')).toMatch(/write it as/);
    expect(date(-3)).toMatch(/not a date/);
  });
});

describe('DocNumber', () => {
  it('takes invoice with an optional prefix, at most 21 characters, never a URL', () => {
    expect(docNumberOf(' ACD-1001 ')).toEqual({ ok: true, docNumber: 'ACD-1001' });
    expect(docNumberOf('1001', 'S-')).toEqual({ ok: true, docNumber: 'S-1001' });
    expect(docNumberOf(1001)).toEqual({ ok: true, docNumber: '1001' });
    const long = docNumberOf('A'.repeat(20), 'XY');
    expect(long.ok).toBe(false);
    expect(!long.ok && long.error).toMatch(/22 characters; QuickBooks allows 21/);
    const url = docNumberOf('https://www.dropbox.com/s/abc/08_22_ACD_Invoice.pdf');
    expect(!url.ok && url.error).toMatch(/holds a link/);
    expect(docNumberOf('').ok).toBe(false);
  });
});

describe('directions', () => {
  const d = parseDirections({
    money_in: ['ACD'],
    money_out: ['Accelebrate', 'BHanalytics'],
    aliases: { 'acd inc': 'ACD' },
  });
  it('routes by inv_from with aliases, case and spacing ignored', () => {
    expect(directionOf(' acd ', d)).toEqual({ ok: true, direction: 'money_in' });
    expect(directionOf('ACD  Inc', d)).toEqual({ ok: true, direction: 'money_in' });
    expect(directionOf('accelebrate', d)).toEqual({ ok: true, direction: 'money_out' });
  });
  it('an unknown or empty inv_from is an error on the row, never a silent default', () => {
    const r = directionOf('VendorXYZ', d);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/neither money_in nor money_out/);
    expect(directionOf('', d).ok).toBe(false);
    expect(directionOf('anything', allMoneyIn)).toEqual({ ok: true, direction: 'money_in' });
  });
  it('refuses a file listing a name on both sides', () => {
    expect(() => parseDirections({ money_in: ['A'], money_out: ['a'] })).toThrow(/both/);
    expect(() => parseDirections({ money_in: 'A' })).toThrow(/list/);
  });
});

const row = (rowId: string, sheetRow: number, values: SheetRowInput['values']): SheetRowInput => ({
  rowId,
  sheetRow,
  values,
});
const base = {
  invoice: 'ACD-1',
  to_client: 'Cool Cars',
  inv_dollars: '100',
  status: 'ready',
  inv_from: 'ACD',
};
const opts = { directions: allMoneyIn, today: '2026-12-05' };

describe('normalizing a row', () => {
  it('maps the seed columns and collects every problem at once', () => {
    const ok = normalizeRow(
      row('r1', 2, {
        ...base,
        submitted_date: '3/4/2026',
        job_name: 'Course',
        task_descr: 'Day 1',
        inv_link: 'https://example.com/inv.pdf',
        owed2acd: '50',
      }),
      opts,
    );
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.row).toMatchObject({
      docNumber: 'ACD-1',
      party: 'Cool Cars',
      amountCents: 10000,
      txnDate: '2026-03-04',
      description: 'Course: Day 1',
      direction: 'money_in',
    });
    expect(ok.row.noteParts[0]).toBe('Source: https://example.com/inv.pdf');

    const bad = normalizeRow(
      row('r2', 3, { invoice: '', to_client: '', inv_dollars: '1,2,3', submitted_date: '2026-02-30' }),
      opts,
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toHaveLength(4);
    expect(bad.errors.join(' ')).toMatch(/invoice is empty.*client.*thousands.*real date/);
  });

  it('refuses negative and zero amounts with a clear sentence; defaults the date to today', () => {
    const neg = normalizeRow(row('r', 2, { ...base, inv_dollars: '(12.00)' }), opts);
    expect(!neg.ok && neg.errors[0]).toMatch(/negative/);
    const zero = normalizeRow(row('r', 2, { ...base, inv_dollars: 0 }), opts);
    expect(!zero.ok && zero.errors[0]).toMatch(/is 0/);
    const today = normalizeRow(row('r', 2, base), opts);
    expect(today.ok && today.row.txnDate).toBe('2026-12-05');
  });

  it('cuts an overlong description with a warning', () => {
    const long = normalizeRow(row('r', 2, { ...base, task_descr: 'x'.repeat(5000) }), opts);
    expect(long.ok && long.row.description.length).toBe(4000);
    expect(long.ok && long.row.warnings[0]).toMatch(/cut/);
  });
});

describe('grouping rows into invoices', () => {
  const norm = (r: SheetRowInput): NormalizedRow => {
    const c = normalizeRow(r, opts);
    if (!c.ok) throw new Error(c.errors.join());
    return c.row;
  };
  it('rows sharing an invoice number are one invoice with lines in sheet order', () => {
    const { groups, errors } = groupRows([
      norm(row('b', 5, { ...base, inv_dollars: '20', task_descr: 'second' })),
      norm(row('c', 2, { ...base, invoice: 'ACD-2' })),
      norm(row('a', 3, { ...base, inv_dollars: '10', task_descr: 'first' })),
    ]);
    expect(errors.size).toBe(0);
    expect(groups).toHaveLength(2);
    const g = groups.find((x) => x.docNumber === 'ACD-1')!;
    expect(g.rows.map((r) => r.description)).toEqual(['first', 'second']);
    expect(g.totalCents).toBe(3000);
    expect(g.anchorRowId).toBe('a');
    expect(groupNote(g).note).toMatch(/rows: a, b/);
  });
  it('rows of one number that disagree all get the same sentence', () => {
    const { groups, errors } = groupRows([
      norm(row('a', 2, base)),
      norm(row('b', 3, { ...base, to_client: 'Other Co' })),
    ]);
    expect(groups).toHaveLength(0);
    expect(errors.get('a')).toMatch(/different clients/);
    expect(errors.get('b')).toBe(errors.get('a'));
  });
});

describe('eligibility', () => {
  const o = { eligibleStatuses: ['ready'] };
  it('takes ready rows without a QuickBooks id, and stuck rows not in flight', () => {
    expect(eligibility(row('a', 2, base), o).eligible).toBe(true);
    expect(eligibility(row('a', 2, { ...base, qb_invoice_id: '12' }), o).eligible).toBe(false);
    expect(eligibility(row('a', 2, { ...base, qb_sync_status: 'synced' }), o).eligible).toBe(false);
    expect(eligibility(row('a', 2, { ...base, qb_sync_status: 'failed' }), o).eligible).toBe(false);
    expect(
      eligibility(row('a', 2, { ...base, qb_sync_status: 'failed' }), { ...o, includeFailed: true }).eligible,
    ).toBe(true);
    expect(eligibility(row('a', 2, { ...base, qb_sync_status: 'processing' }), o).eligible).toBe(true);
    expect(
      eligibility(row('a', 2, { ...base, qb_sync_status: 'processing' }), { ...o, inFlight: new Set(['a']) })
        .eligible,
    ).toBe(false);
    expect(eligibility(row('a', 2, { ...base, status: 'paid' }), o).eligible).toBe(false);
    expect(eligibility(row('a', 2, { ...base, status: 'paid' }), { ...o, backfill: true }).eligible).toBe(
      true,
    );
  });

  it('takes a synced bill only for its payment: a paid date typed later, or a paid date cleared after', () => {
    const billed = { ...base, qb_bill_id: '41', qb_sync_status: 'synced', qb_bill_status: 'synced' };
    const verdict = (values: Record<string, string>, more = {}) =>
      eligibility(row('a', 2, values), { ...o, ...more });
    expect(verdict(billed)).toEqual({ eligible: false, reason: 'already in QuickBooks' });
    const paid = { ...billed, inv_paid_date: '2026-04-15' };
    expect(verdict(paid)).toEqual({ eligible: true, pass: 'payment' });
    // Whatever the status column says: the bill exists; only its payment is due.
    expect(verdict({ ...paid, status: 'paid' })).toEqual({ eligible: true, pass: 'payment' });
    expect(verdict(paid, { billPaymentsOff: true })).toMatchObject({
      eligible: false,
      reason: /QBO_AUTO_MARK_BILL_PAID/,
    });
    expect(verdict({ ...paid, qb_bill_status: 'pending' })).toEqual({ eligible: true, pass: 'payment' });
    expect(verdict({ ...paid, qb_bill_status: 'failed' })).toMatchObject({ eligible: false });
    expect(verdict({ ...paid, qb_bill_status: 'failed' }, { includeFailed: true })).toEqual({
      eligible: true,
      pass: 'payment',
    });
    expect(verdict({ ...paid, qb_bill_status: 'paid' })).toMatchObject({ eligible: false });
    expect(verdict({ ...billed, qb_bill_status: 'paid' })).toEqual({
      eligible: true,
      pass: 'paid-date-removed',
    });
    // An invoice is never taken again, paid date or not.
    expect(verdict({ ...base, qb_invoice_id: '7', inv_paid_date: '2026-04-15' })).toMatchObject({
      eligible: false,
    });
  });

  it('a bill due its payment brings its other lines along', () => {
    const all = [
      row('a', 2, { ...base, qb_bill_id: '41' }),
      row('b', 3, { ...base, qb_bill_id: '41' }),
      row('c', 4, { ...base, qb_bill_id: '42' }),
      row('d', 5, base),
    ];
    expect(withBillSiblings(all, [all[0]!, all[3]!]).map((r) => r.rowId)).toEqual(['a', 'b', 'd']);
    expect(withBillSiblings(all, [all[3]!]).map((r) => r.rowId)).toEqual(['d']);
  });
});

describe('columns and signing helpers', () => {
  it('finds headers by name in any order and lists missing qb_* columns once', () => {
    const headers = ['Status', ' INVOICE ', 'qb_row_id', 'owed2ACD'];
    const index = headerIndex(headers);
    expect(index.get('invoice')).toBe(1);
    expect(index.get('owed2acd')).toBe(3);
    expect(missingQbColumns(headers, 'invoice_only')).toEqual([
      'qb_invoice_id',
      'qb_invoice_url',
      'qb_sync_status',
      'qb_synced_at',
      'qb_error',
    ]);
    expect(missingQbColumns(headers, 'dual')).toHaveLength(9);
  });
  it('reads add-on keys and hex-encodes Apps Script signed bytes', () => {
    expect(splitAddonKey(`qbb_abcd1234.${'k'.repeat(43)}`)).toEqual({
      keyId: 'abcd1234',
      secret: 'k'.repeat(43),
    });
    expect(splitAddonKey('nope')).toBeUndefined();
    expect(bytesToHex([-1, 0, 15, 127, -128])).toBe('ff000f7f80');
  });
});
