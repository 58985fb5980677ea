import { describe, expect, it } from 'vitest';
import { countActiveEmployees } from '../../gateway/src/qbwc/metrics/employees';
import { readProfitAndLoss } from '../../gateway/src/qbwc/metrics/pnl';
import {
  classifyStatus,
  parseEmployeeResponse,
  parseReportResponse,
  QbXmlParseError,
} from '../../gateway/src/qbwc/qbxml/qbxml-parse';
import { fixture, profitAndLossXml } from './helpers';

function pnlOf(name: string) {
  const { report } = parseReportResponse(fixture(name));
  if (!report) throw new Error('no report');
  return readProfitAndLoss(report);
}

describe('P&L report reading', () => {
  it('keeps only leaf accounts, with full paths, sections, negatives and non-ASCII names', () => {
    const pnl = pnlOf('pnl-nested.xml');
    expect(pnl.accounts.map((a) => [a.path, a.kind, a.amountCents])).toEqual([
      ['4000 · Services:4100 · Managed Services', 'income', 1_200_000],
      ['4000 · Services:4200 · Projects:4210 · Professional Services — Zürich', 'income', 350_050],
      ['4000 · Services:4200 · Projects:4290 · Refunds', 'income', -50_025],
      ['5000 · Cost of Goods Sold', 'cogs', 200_000],
      ['6100 · Bank Charges:Fees', 'expense', 3_500],
      ['6200 · Card Processing:Fees', 'expense', 12_040],
      ['6400 · Café Équipement Expense', 'expense', 78_910],
      ['6300 · Payroll Expenses', 'expense', 10_000],
      ['6300 · Payroll Expenses:6310 · Wages', 'expense', 400_000],
      ['7000 · Other Income', 'other_income', 1_234],
      ['8000 · Penalties', 'other_expense', 5_000],
    ]);
    const fees = pnl.accounts.filter((a) => a.label === 'Fees');
    expect(fees).toHaveLength(2); // same label, different parents: both kept
    expect(pnl.accounts[2]!.sections).toEqual([
      'Ordinary Income/Expense',
      'Income',
      '4000 · Services',
      '4200 · Projects',
    ]);
    expect(pnl.accounts[8]!.sections).toEqual([
      'Ordinary Income/Expense',
      'Expense',
      '6300 · Payroll Expenses',
    ]);
  });

  it('keeps subtotals apart and checks the leaves against the Net Income TotalRow', () => {
    const pnl = pnlOf('pnl-nested.xml');
    expect(pnl.totals.map((t) => t.label)).toContain('Total Expense');
    expect(pnl.reportedNetIncomeCents).toBe(791_809);
    expect(pnl.computedNetIncomeCents).toBe(791_809);
    expect(pnl.netIncomeMatches).toBe(true);
    const leafSum = pnl.accounts.reduce((s, a) => s + a.amountCents, 0);
    expect(leafSum).toBe(
      1_200_000 + 350_050 - 50_025 + 200_000 + 3_500 + 12_040 + 78_910 + 10_000 + 400_000 + 1_234 + 5_000,
    );
  });

  it('says false when the leaves miss Net Income, and unknown (null) when the check cannot be made', () => {
    const read = (xml: string) => readProfitAndLoss(parseReportResponse(xml).report!);
    const sections = [
      {
        header: 'Income' as const,
        accounts: [['4100 · Managed Services', '1000.00']] as Array<[string, string]>,
      },
      {
        header: 'Expense' as const,
        accounts: [['6500 · Rent Expense', '400.00']] as Array<[string, string]>,
      },
    ];
    expect(read(profitAndLossXml(sections)).netIncomeMatches).toBe(true);
    expect(read(profitAndLossXml(sections, { netIncome: '601.00' })).netIncomeMatches).toBe(false);
    // no Net Income row at all: nothing to check against
    const noTotal = profitAndLossXml(sections).replace(/<TotalRow [\s\S]*?<\/TotalRow>/, '');
    const unchecked = read(noTotal);
    expect(unchecked.reportedNetIncomeCents).toBeNull();
    expect(unchecked.netIncomeMatches).toBeNull();
    // an account outside every Income/Expense section: its sign is unknown, so the sum cannot be judged
    const outside = profitAndLossXml(sections).replace(
      '<TextRow rowNumber="1" value="Income"/>',
      '<DataRow rowNumber="0"><RowData rowType="account" value="9999 · Suspense"/><ColData colID="1" value="9999 · Suspense"/><ColData colID="2" value="5.00"/></DataRow>\n<TextRow rowNumber="1" value="Income"/>',
    );
    const unknown = read(outside);
    expect(unknown.accounts.find((a) => a.path === '9999 · Suspense')?.kind).toBe('unknown');
    expect(unknown.netIncomeMatches).toBeNull();
  });

  it('reads row order from rowNumber even when row types interleave', () => {
    const pnl = pnlOf('pnl-vector-2025-01.xml');
    expect(pnl.accounts.map((a) => a.rowNumber)).toEqual(
      [...pnl.accounts.map((a) => a.rowNumber)].sort((a, b) => a - b),
    );
    expect(pnl.netIncomeMatches).toBe(true);
    expect(pnl.reportedNetIncomeCents).toBe(1_568_125);
  });

  it('reads the captured Balance Sheet: DataRow without RowData, SubtotalRow with RowData', () => {
    const { status, report } = parseReportResponse(fixture('balance-sheet-captured.xml'));
    expect(status).toMatchObject({ code: 0, severity: 'Info' });
    const bs = readProfitAndLoss(report!);
    const netIncome = bs.accounts.find((a) => a.path === 'Net Income');
    expect(netIncome?.amountCents).toBe(135_285_368);
    expect(bs.accounts.find((a) => a.path === 'Amex:Amex sub')?.label).toBe('Amex sub');
    expect(bs.accounts.find((a) => a.path === 'Allowance For Doubtful Accounts')?.amountCents).toBe(
      -2_171_929,
    );
    expect(bs.reportedNetIncomeCents).toBe(2_079_423_074); // TOTAL LIABILITIES & EQUITY
  });
});

describe('status codes', () => {
  it('1 is an empty answer, 500 a warning with data, 3120 an error', () => {
    const empty = parseReportResponse(fixture('pnl-status-1.xml'));
    expect(classifyStatus(empty.status)).toBe('empty');
    expect(empty.report).toBeNull();
    const warn = parseReportResponse(fixture('pnl-status-500.xml'));
    expect(classifyStatus(warn.status)).toBe('warning');
    expect(warn.report?.basis).toBe('Cash');
    const err = parseReportResponse(fixture('pnl-status-3120.xml'));
    expect(classifyStatus(err.status)).toBe('error');
    expect(err.status.message).toContain('"8000001B-1405768916"');
  });

  it('counts active employees; statusCode 1 means zero employees', () => {
    expect(countActiveEmployees(parseEmployeeResponse(fixture('employees-two.xml')))).toEqual({
      status: 'ok',
      count: 2,
    });
    expect(countActiveEmployees(parseEmployeeResponse(fixture('employees-none.xml')))).toEqual({
      status: 'empty',
      count: 0,
    });
  });
});

describe('hostile or broken responses', () => {
  it('rejects a DTD (billion laughs) before parsing', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><QBXML><QBXMLMsgsRs><EmployeeQueryRs statusCode="0" statusSeverity="Info"><EmployeeRet><ListID>&lol2;</ListID></EmployeeRet></EmployeeQueryRs></QBXMLMsgsRs></QBXML>`;
    expect(() => parseEmployeeResponse(bomb)).toThrow(QbXmlParseError);
  });

  it('names the problem for a wrong request id, a missing QBXML, a bad amount or repeated rowNumbers', () => {
    expect(() => parseReportResponse(fixture('pnl-simple.xml'), 'pl-2025-02')).toThrow(
      /pl-2025-01, not pl-2025-02/,
    );
    expect(() => parseReportResponse('<html>oops</html>')).toThrow(/QBXMLMsgsRs/);
    const badAmount = fixture('pnl-simple.xml').replace('80000.00', '80,000.0O');
    expect(() => readProfitAndLoss(parseReportResponse(badAmount).report!)).toThrow(/Row 3 has amount/);
    const repeated = fixture('pnl-simple.xml').replace('rowNumber="4"', 'rowNumber="3"');
    expect(() => parseReportResponse(repeated)).toThrow(/share rowNumber 3/);
  });
});
