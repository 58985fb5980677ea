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
 *
 * Where this knowingly differs from the seed: the seed put an account into whatever metric its name matched,
 * whichever section of the P&L it sat in. Here revenue metrics only take Income / Other Income accounts and
 * expense metrics only Cost of Goods Sold / Expense / Other Expense accounts (see `mappings.ts`), so every
 * mapped account moves net_profit in the same direction it moves QuickBooks' Net Income, and
 * net_profit + ignored + unmapped reconciles with the report's Net Income to the cent. The seed's test
 * vectors are unaffected: each of their accounts sits on the side its mapping expects.
 */
import { addCents, sumCents } from '../../../../shared/src/money';
import {
  createResolver,
  expenseMetricKeys,
  type MappedMetricKey,
  type Mapping,
  revenueMetricKeys,
} from './mappings';
import { type AccountKind, type LeafAccount, netEffectCents } from './pnl';

export const revenueMetrics = revenueMetricKeys;
export const expenseMetrics = expenseMetricKeys;
/**
 * Expenses still waiting to be classified (QuickBooks' "Uncategorized Expense", account 6999 in the seed's
 * company). Like the seed (total_expenses = … − uncategorized_expenses), they are shown on their own and kept
 * out of total_expenses and net_profit: they are a bookkeeping to-do, not a cost of the quarter yet. The
 * reconciliation counts them, so the month still adds up to QuickBooks' Net Income to the cent.
 */
export const excludedMetrics = ['uncategorized_expenses'] as const;
/** Stored only for a month that has some: a zero removes the month's row instead of adding one. */
export const optionalMetrics: readonly string[] = excludedMetrics;
export const calculatedMetrics = ['total_revenue', 'total_expenses', 'net_profit'] as const;
export const profitAndLossMetrics = [
  ...revenueMetrics,
  ...expenseMetrics,
  ...excludedMetrics,
  ...calculatedMetrics,
] as const;
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
  /** Why the account is unmapped: no pattern matched, or only mappings for the other side of the P&L did. */
  unmappedReason?: string;
}

export interface UnmappedAccount {
  path: string;
  kind: AccountKind;
  amountCents: number;
  reason: string;
}

export interface MonthMetrics {
  values: MetricValues;
  assignments: AccountAssignment[];
  /** Accounts no mapping took: shown to the user, with the reason, so they can add one. */
  unmapped: UnmappedAccount[];
}

/** The month's metrics checked against QuickBooks' own Net Income (the report's final TotalRow). */
export interface Reconciliation {
  qbNetIncomeCents: number | null;
  computedNetProfitCents: number;
  /** What the unmapped and the ignored accounts add to Net Income (income up, costs down). */
  unmappedNetCents: number;
  ignoredNetCents: number;
  /** What the accounts in uncategorized_expenses (kept out of net_profit) add to Net Income. */
  uncategorizedNetCents: number;
  /**
   * computed + unmapped + ignored + uncategorized − QuickBooks; 0 when the metrics account for every cent,
   * null unknown.
   */
  differenceCents: number | null;
}

export const noMappingReason = 'no mapping matches this account';

export function emptyMetricValues(): MetricValues {
  return Object.fromEntries(profitAndLossMetrics.map((m) => [m, 0])) as MetricValues;
}

/** Adds the calculated metrics to mapped sums. */
export function withCalculatedMetrics(
  mapped: Record<(typeof revenueMetrics | typeof expenseMetrics | typeof excludedMetrics)[number], number>,
): MetricValues {
  const totalRevenue = sumCents(
    revenueMetrics.map((k) => mapped[k]),
    'total_revenue',
  );
  const totalExpenses = sumCents(
    expenseMetrics.map((k) => mapped[k]),
    'total_expenses',
  );
  return {
    ...mapped,
    total_revenue: totalRevenue,
    total_expenses: totalExpenses,
    net_profit: sumCents([totalRevenue, -totalExpenses], 'net_profit'),
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
    const { mapping, passedOver } = resolver.resolve(account.path, account.kind);
    const metricKey = mapping?.metricKey ?? null;
    if (metricKey !== null && metricKey !== 'ignore')
      values[metricKey] = addCents(values[metricKey], account.amountCents, metricKey);
    assignments.push({
      rowNumber: account.rowNumber,
      path: account.path,
      kind: account.kind,
      amountCents: account.amountCents,
      metricKey,
      mappingId: mapping?.id ?? null,
      ...(mapping === null ? { unmappedReason: passedOver[0]?.reason ?? noMappingReason } : {}),
    });
  }
  return {
    values: withCalculatedMetrics(values),
    assignments,
    unmapped: assignments
      .filter((a) => a.metricKey === null)
      .map(({ path, kind, amountCents, unmappedReason }) => ({
        path,
        kind,
        amountCents,
        reason: unmappedReason ?? noMappingReason,
      })),
  };
}

/**
 * net_profit is computed from the metric values (not from the leaves), so a metric that took an account
 * with the wrong sign, twice, or not at all shows up as a difference here.
 */
export function reconcile(month: MonthMetrics, qbNetIncomeCents: number | null): Reconciliation {
  const netOf = (metric: 'ignore' | 'uncategorized_expenses' | null) =>
    sumCents(
      month.assignments
        .filter((a) => a.metricKey === metric)
        .map((a) => netEffectCents(a.kind, a.amountCents)),
    );
  const unmappedNetCents = netOf(null);
  const ignoredNetCents = netOf('ignore');
  const uncategorizedNetCents = netOf('uncategorized_expenses');
  const computedNetProfitCents = month.values.net_profit;
  return {
    qbNetIncomeCents,
    computedNetProfitCents,
    unmappedNetCents,
    ignoredNetCents,
    uncategorizedNetCents,
    differenceCents:
      qbNetIncomeCents === null
        ? null
        : computedNetProfitCents +
          unmappedNetCents +
          ignoredNetCents +
          uncategorizedNetCents -
          qbNetIncomeCents,
  };
}
