import { describe, expect, it } from 'vitest';
import { defaultMappings } from '../../gateway/src/qbwc/metrics/default-mappings';
import { interpretProfitAndLoss } from '../../gateway/src/qbwc/metrics/interpret';
import type { Mapping } from '../../gateway/src/qbwc/metrics/mappings';
import { computeMonthMetrics, type MetricValues } from '../../gateway/src/qbwc/metrics/metrics';
import { type LeafAccount, readProfitAndLoss } from '../../gateway/src/qbwc/metrics/pnl';
import { parseReportResponse } from '../../gateway/src/qbwc/qbxml/qbxml-parse';
import { formatCents } from '../../shared/src/money';
import { fixture, profitAndLossXml } from './helpers';

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
      uncategorized_expenses: '0.00',
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

interface ParsedPnl {
  metrics: Record<string, string>;
  unmapped: Array<{ account: string; kind: string; amount: string; reason: string }>;
  unmapped_count: number;
  net_income_matches: boolean | null;
  reconciliation: {
    qb_net_income: string | null;
    computed_net_profit: string;
    unmapped_net: string;
    ignored_net: string;
    uncategorized_net: string;
    difference_cents: number | null;
  };
}

function interpret(xml: string, mappings: readonly Mapping[] = defaults): ParsedPnl {
  const result = interpretProfitAndLoss(xml, 'pl-2025-03', mappings);
  if (result.outcome === 'error') throw new Error(result.error);
  return result.parsedData as unknown as ParsedPnl;
}

describe('QBR metrics respect the P&L section of each account', () => {
  it('an expense account matching a revenue pattern is not revenue, and the month reconciles with Net Income', () => {
    const parsed = interpret(
      profitAndLossXml([
        { header: 'Income', accounts: [['4100 · Managed Services', '10000.00']] },
        { header: 'Expense', accounts: [['6200 · Annual Insurance Premium', '1200.00']] },
      ]),
    );
    expect(parsed.metrics).toMatchObject({
      orr: '0.00',
      mrr: '10000.00',
      total_revenue: '10000.00',
      total_expenses: '0.00',
      net_profit: '10000.00',
    });
    expect(parsed.unmapped).toEqual([
      {
        account: '6200 · Annual Insurance Premium',
        kind: 'expense',
        amount: '1200.00',
        reason: expect.stringMatching(/matched mapping '%Annual%' \(orr\) but is an expense account/),
      },
    ]);
    expect(parsed.reconciliation).toEqual({
      qb_net_income: '8800.00',
      computed_net_profit: '10000.00',
      unmapped_net: '-1200.00',
      ignored_net: '0.00',
      uncategorized_net: '0.00',
      difference_cents: 0,
    });
    expect(parsed.net_income_matches).toBe(true);
  });

  it('an income account matching an expense pattern falls through to a lower-priority revenue mapping', () => {
    const xml = profitAndLossXml([
      {
        header: 'Income',
        accounts: [
          ['4100 · Managed Services', '10000.00'],
          ['4800 · Reimbursed Expenses', '300.00'],
        ],
      },
      { header: 'Expense', accounts: [['6500 · Rent Expense', '2000.00']] },
    ]);
    const parsed = interpret(xml);
    expect(parsed.metrics).toMatchObject({
      other_expenses: '2000.00',
      total_revenue: '10000.00',
      total_expenses: '2000.00',
    });
    expect(parsed.unmapped.map((u) => [u.account, u.reason])).toEqual([
      [
        '4800 · Reimbursed Expenses',
        expect.stringMatching(/matched mapping '%Expense%' \(other_expenses\) but is an income account/),
      ],
    ]);
    expect(parsed.reconciliation.difference_cents).toBe(0);

    const withReimbursements: Mapping[] = [
      ...defaults,
      {
        metricKey: 'misc_revenue',
        pattern: '%Reimbursed%',
        matchType: 'contains',
        priority: 0,
        isActive: true,
        notes: null,
        id: 100,
      },
    ];
    const remapped = interpret(xml, withReimbursements);
    expect(remapped.metrics).toMatchObject({ misc_revenue: '300.00', total_revenue: '10300.00' });
    expect(remapped.unmapped).toEqual([]);
  });

  it('ignored and unmapped accounts are part of the reconciliation; a report that does not add up is flagged', () => {
    const ignoreBankFees: Mapping[] = [
      ...defaults,
      {
        metricKey: 'ignore',
        pattern: '6100 · Bank Charges',
        matchType: 'exact',
        priority: 0,
        isActive: true,
        notes: null,
        id: 100,
      },
    ];
    const sections = [
      { header: 'Income', accounts: [['4200 · Professional Services', '5000.00']] },
      {
        header: 'Expense',
        accounts: [
          ['6100 · Bank Charges', '40.00'],
          ['6150 · Dues', '60.00'],
        ],
      },
      { header: 'Other Expense', accounts: [['8000 · Penalties', '25.00']] },
    ] as const satisfies Parameters<typeof profitAndLossXml>[0];
    const parsed = interpret(profitAndLossXml(sections), ignoreBankFees);
    expect(parsed.reconciliation).toEqual({
      qb_net_income: '4875.00',
      computed_net_profit: '5000.00',
      unmapped_net: '-85.00',
      ignored_net: '-40.00',
      uncategorized_net: '0.00',
      difference_cents: 0,
    });
    expect(parsed.net_income_matches).toBe(true);

    const broken = interpret(profitAndLossXml(sections, { netIncome: '4900.00' }), ignoreBankFees);
    expect(broken.reconciliation.difference_cents).toBe(-2500);
    expect(broken.net_income_matches).toBe(false);
  });

  it('the seed vector reconciles to the cent', () => {
    const parsed = interpret(withRequest(fixture('pnl-vector-2025-01.xml')));
    expect(parsed.reconciliation).toEqual({
      qb_net_income: '15681.25',
      computed_net_profit: '15681.25',
      unmapped_net: '0.00',
      ignored_net: '0.00',
      uncategorized_net: '0.00',
      difference_cents: 0,
    });
  });
});

function withRequest(xml: string): string {
  return xml.replace(/requestID="[^"]*"/, 'requestID="pl-2025-03"');
}
