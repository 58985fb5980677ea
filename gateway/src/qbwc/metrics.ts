/**
 * QBR metrics for one month, in integer cents. Pure: leaf accounts + mappings → the 13 P&L metrics (the
 * 14th, `employees`, is a headcount from its own query). Every metric is always present, so a metric that
 * became 0 overwrites a stale value instead of being skipped (the seed skipped zeros).
 *
 * Semantics (seed-systems.md §4.6, its recalculation formulas made structural): owner compensation and
 * owner tax distributions are carved out of payroll by mapping priority, so
 * employee_expense = payroll − owner_comp − owner_comp_taxes and other_expenses is what remains of the
 * expenses; total_expenses = employee_expense + owner_comp + owner_comp_taxes + product_cogs +
 * other_expenses; total_revenue = nrr + mrr + orr + product_sales + misc_revenue;
 * net_profit = total_revenue − total_expenses.
 */
import { createResolver, type MappedMetricKey, type Mapping } from './mappings';
import type { AccountKind, LeafAccount } from './pnl';

export const revenueMetrics = ['nrr', 'mrr', 'orr', 'product_sales', 'misc_revenue'] as const;
export const expenseMetrics = [
  'employee_expense',
  'owner_comp',
  'owner_comp_taxes',
  'product_cogs',
  'other_expenses',
] as const;
export const calculatedMetrics = ['total_revenue', 'total_expenses', 'net_profit'] as const;
export const profitAndLossMetrics = [...revenueMetrics, ...expenseMetrics, ...calculatedMetrics] as const;
export type ProfitAndLossMetric = (typeof profitAndLossMetrics)[number];
export const metricNames = [...profitAndLossMetrics, 'employees'] as const;
export type MetricName = (typeof metricNames)[number];

export type MetricValues = Record<ProfitAndLossMetric, number>;

export interface AccountAssignment {
  rowNumber: number;
  path: string;
  kind: AccountKind;
  amountCents: number;
  metricKey: MappedMetricKey | null;
  mappingId: number | null;
}

export interface MonthMetrics {
  values: MetricValues;
  assignments: AccountAssignment[];
  /** Accounts no mapping matched: shown to the user so they can add one. */
  unmapped: Array<Pick<AccountAssignment, 'path' | 'kind' | 'amountCents'>>;
}

export function emptyMetricValues(): MetricValues {
  return Object.fromEntries(profitAndLossMetrics.map((m) => [m, 0])) as MetricValues;
}

/** Adds the calculated metrics to mapped sums. */
export function withCalculatedMetrics(
  mapped: Record<(typeof revenueMetrics | typeof expenseMetrics)[number], number>,
): MetricValues {
  const totalRevenue = revenueMetrics.reduce((sum, k) => sum + mapped[k], 0);
  const totalExpenses = expenseMetrics.reduce((sum, k) => sum + mapped[k], 0);
  return {
    ...mapped,
    total_revenue: totalRevenue,
    total_expenses: totalExpenses,
    net_profit: totalRevenue - totalExpenses,
  };
}

export function computeMonthMetrics(
  accounts: readonly LeafAccount[],
  mappings: readonly Mapping[],
): MonthMetrics {
  const resolver = createResolver(mappings);
  const values = emptyMetricValues();
  const assignments: AccountAssignment[] = [];
  for (const account of accounts) {
    const mapping = resolver.resolve(account.path);
    const metricKey = mapping?.metricKey ?? null;
    if (metricKey !== null && metricKey !== 'ignore') values[metricKey] += account.amountCents;
    assignments.push({
      rowNumber: account.rowNumber,
      path: account.path,
      kind: account.kind,
      amountCents: account.amountCents,
      metricKey,
      mappingId: mapping?.id ?? null,
    });
  }
  return {
    values: withCalculatedMetrics(values),
    assignments,
    unmapped: assignments
      .filter((a) => a.metricKey === null)
      .map(({ path, kind, amountCents }) => ({ path, kind, amountCents })),
  };
}
