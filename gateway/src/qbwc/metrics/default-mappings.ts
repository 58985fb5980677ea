import { type MappingInput, specificPriorityDefault } from './mappings';

/**
 * The seed's 22 default account mappings (seed-systems.md §4.5), all `contains`. The seed applied them in
 * undefined row order; here the order is explicit: owner compensation outranks the payroll patterns (an
 * "Officer" account under "Payroll Expenses" is owner pay, which the seed subtracted from payroll), the
 * specific income/expense patterns come next, and the `%Expense%` catch-all is last. A 23rd sends
 * "Uncategorized Expense" to `uncategorized_expenses` (below).
 */
export const ownerPriority = 300;
export const specificPriority = specificPriorityDefault;
export const catchAllPriority = 0;

/**
 * Not one of the seed's 22: its users added `uncategorized_expenses` for account 6999 by hand and the seed
 * subtracted it from total_expenses. Outranks the `%Expense%` catch-all, which would otherwise count it.
 */
export const uncategorizedPattern = '%Uncategorized Expense%';
export const uncategorizedNotes = 'Uncategorized expenses (6999): shown apart, kept out of total_expenses';

export const defaultMappings: readonly MappingInput[] = [
  m('nrr', '%Non-Recurring%', 'Non-Recurring Revenue'),
  m('nrr', '%NRR%', 'NRR labeled accounts'),
  m('nrr', '%Professional Services%', 'Professional services income'),
  m('mrr', '%Monthly Recurring%', 'Monthly Recurring Revenue'),
  m('mrr', '%MRR%', 'MRR labeled accounts'),
  m('mrr', '%Managed Services%', 'Managed services income'),
  m('orr', '%Other Recurring%', 'Other Recurring Revenue'),
  m('orr', '%Annual%', 'Annual revenue'),
  m('product_sales', '%Product Sales%', 'Product sales'),
  m('product_sales', '%Hardware Sales%', 'Hardware sales'),
  m('misc_revenue', '%Other Income%', 'Miscellaneous revenue'),
  m('employee_expense', '%Payroll%', 'Payroll expenses'),
  m('employee_expense', '%Wages%', 'Wage expenses'),
  m('employee_expense', '%Salaries%', 'Salary expenses'),
  m('owner_comp_taxes', '%Tax Distribution%', 'Owner tax distributions', ownerPriority),
  m('owner_comp_taxes', '%Estimated Tax%', 'Quarterly estimated taxes', ownerPriority),
  m('owner_comp', '%Owner Draw%', 'Owner draws', ownerPriority),
  m('owner_comp', '%Owner Comp%', 'Owner compensation', ownerPriority),
  m('owner_comp', '%Officer%', 'Officer compensation', ownerPriority),
  m('product_cogs', '%Cost of Goods%', 'COGS'),
  m('product_cogs', '%COGS%', 'COGS'),
  m('uncategorized_expenses', uncategorizedPattern, uncategorizedNotes),
  m('other_expenses', '%Expense%', 'General expenses (catch-all)', catchAllPriority),
];

function m(
  metricKey: MappingInput['metricKey'],
  pattern: string,
  notes: string,
  priority = specificPriority,
): MappingInput {
  return { metricKey, pattern, matchType: 'contains', priority, isActive: true, notes };
}
