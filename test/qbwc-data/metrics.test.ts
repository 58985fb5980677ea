import { describe, expect, it } from 'vitest';
import { defaultMappings } from '../../gateway/src/qbwc/default-mappings';
import type { Mapping } from '../../gateway/src/qbwc/mappings';
import { computeMonthMetrics, type MetricValues } from '../../gateway/src/qbwc/metrics';
import { type LeafAccount, readProfitAndLoss } from '../../gateway/src/qbwc/pnl';
import { parseReportResponse } from '../../gateway/src/qbwc/qbxml-parse';
import { formatCents } from '../../shared/src/money';
import { fixture } from './helpers';

const defaults: Mapping[] = defaultMappings.map((m, i) => ({ ...m, id: i + 1 }));

function decimals(values: MetricValues): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, formatCents(v)]));
}

function leaf(path: string, amount: string, kind: LeafAccount['kind'] = 'expense'): LeafAccount {
  const cents = Math.round(Number(amount) * 100);
  return { rowNumber: 0, path, label: path, sections: [], kind, amountCents: cents };
}

describe('QBR metrics', () => {
  it('reproduce the seed test vectors for January 2025 to the cent from a P&L with the default mappings', () => {
    const pnl = readProfitAndLoss(parseReportResponse(fixture('pnl-vector-2025-01.xml')).report!);
    const month = computeMonthMetrics(pnl.accounts, defaults);
    expect(decimals(month.values)).toMatchObject({
      employee_expense: '38242.23',
      other_expenses: '49656.76',
      owner_comp_taxes: '5000.00',
      owner_comp: '22588.00',
      product_cogs: '21126.05',
      total_expenses: '136613.04',
      total_revenue: '152294.29',
      net_profit: '15681.25',
    });
    expect(month.unmapped).toEqual([]);
    // the seed's implied inputs: payroll 65,830.23 and QuickBooks' "Total Expense" 115,486.99
    const payroll = pnl.accounts
      .filter((a) => a.path.includes('Payroll'))
      .reduce((s, a) => s + a.amountCents, 0);
    expect(payroll).toBe(6_583_023);
    expect(pnl.totals.find((t) => t.label === 'Total Expense')?.amountCents).toBe(11_548_699);
    expect(pnl.reportedNetIncomeCents).toBe(month.values.net_profit);
  });

  it('reproduce the 2026-01 vector: owner pay carved out of payroll, the rest of expenses in other_expenses', () => {
    const month = computeMonthMetrics(
      [
        leaf('6300 · Payroll Expenses:6310 · Wages', '10000.00'),
        leaf('6300 · Payroll Expenses:6330 · Payroll Taxes', '4248.85'),
        leaf('6300 · Payroll Expenses:6320 · Officer Compensation', '22588.00'),
        leaf('6300 · Payroll Expenses:6340 · Estimated Tax Payments', '13000.00'),
        leaf('6500 · Rent Expense', '38261.63'),
      ],
      defaults,
    );
    expect(decimals(month.values)).toMatchObject({
      employee_expense: '14248.85',
      other_expenses: '38261.63',
      owner_comp_taxes: '13000.00',
      owner_comp: '22588.00',
    });
    const qbTotal =
      month.values.employee_expense +
      month.values.other_expenses +
      month.values.owner_comp +
      month.values.owner_comp_taxes;
    expect(formatCents(qbTotal)).toBe('88098.48');
  });

  it('never double-counts subtotals and lists unmapped accounts; zero metrics are present as 0', () => {
    const pnl = readProfitAndLoss(parseReportResponse(fixture('pnl-simple.xml')).report!);
    const month = computeMonthMetrics(pnl.accounts, defaults);
    // the seed produced employee_expense 60,000 and other_expenses 50,000 from this report
    expect(decimals(month.values)).toEqual({
      nrr: '25000.00',
      mrr: '80000.00',
      orr: '0.00',
      product_sales: '0.00',
      misc_revenue: '0.00',
      employee_expense: '30000.00',
      owner_comp: '0.00',
      owner_comp_taxes: '0.00',
      product_cogs: '0.00',
      other_expenses: '20000.00',
      total_revenue: '105000.00',
      total_expenses: '50000.00',
      net_profit: '55000.00',
    });
    const nested = readProfitAndLoss(parseReportResponse(fixture('pnl-nested.xml')).report!);
    const result = computeMonthMetrics(nested.accounts, defaults);
    expect(result.unmapped.map((u) => [u.path, formatCents(u.amountCents)])).toEqual([
      ['4000 · Services:4200 · Projects:4290 · Refunds', '-500.25'],
      ['6100 · Bank Charges:Fees', '35.00'],
      ['6200 · Card Processing:Fees', '120.40'],
      ['8000 · Penalties', '50.00'],
    ]);
    expect(decimals(result.values)).toMatchObject({
      mrr: '12000.00',
      nrr: '3500.50',
      misc_revenue: '12.34',
      product_cogs: '2000.00',
      employee_expense: '4100.00',
      other_expenses: '789.10',
      total_revenue: '15512.84',
      total_expenses: '6889.10',
      net_profit: '8623.74',
    });
  });
});
