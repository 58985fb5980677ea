/**
 * Account mappings: which QuickBooks accounts feed which QBR metric. Pure: validation on write, and the
 * deterministic choice of one mapping per leaf account (the seed took the first match in undefined row
 * order and let one account feed several places; here every account lands in at most one metric).
 *
 * A mapping only takes accounts from its own side of the P&L: revenue metrics take Income and Other Income
 * accounts, expense metrics take Cost of Goods Sold, Expense and Other Expense accounts. The seed matched
 * names alone, so `%Annual%` (orr) counted an "Annual Insurance Premium" expense as revenue and `%Expense%`
 * counted a "Reimbursed Expenses" income account as an expense; a name match on the wrong side is passed
 * over here (the account falls through to lower-ranked mappings, or stays unmapped with the reason).
 */
import { RE2JS } from 're2js';
import type { AccountKind } from './pnl';

/** Metrics an account can be mapped to; `ignore` keeps an account out of every metric on purpose. */
export const mappedMetricKeys = [
  'nrr',
  'mrr',
  'orr',
  'product_sales',
  'misc_revenue',
  'employee_expense',
  'owner_comp',
  'owner_comp_taxes',
  'product_cogs',
  'other_expenses',
  'uncategorized_expenses',
  'ignore',
] as const;
export type MappedMetricKey = (typeof mappedMetricKeys)[number];

export const matchTypes = ['contains', 'exact', 'regex'] as const;
export type MatchType = (typeof matchTypes)[number];

export interface MappingInput {
  metricKey: MappedMetricKey;
  /** `contains`: `%` is a wildcard (the seed's `%Payroll%`); `exact`: the account's full path; `regex`. */
  pattern: string;
  matchType: MatchType;
  /** Higher wins; ties go to the older mapping (lower id). `exact` mappings win over every other type. */
  priority: number;
  isActive: boolean;
  notes: string | null;
}

export interface Mapping extends MappingInput {
  id: number;
}

export const maxPatternLength = 255;
export const maxRegexLength = 200;
export const maxPriority = 10_000;
/** Priority of a new mapping when none is given: level with the seed's specific defaults. */
export const specificPriorityDefault = 200;

/** A mapping a user tried to write that cannot work; the message says what to change. */
export class MappingValidationError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'MappingValidationError';
  }
}

export function isMappedMetricKey(value: unknown): value is MappedMetricKey {
  return typeof value === 'string' && (mappedMetricKeys as readonly string[]).includes(value);
}

export function isMatchType(value: unknown): value is MatchType {
  return typeof value === 'string' && (matchTypes as readonly string[]).includes(value);
}

/**
 * Keys seed users added that named QuickBooks' own subtotal rows (the seed read "Total …" SubtotalRows as if
 * they were accounts). qb-bridge never reads subtotals as accounts, so such a mapping would match nothing or,
 * pointed at accounts, count them a second time; each is refused with what replaces it.
 */
export const retiredSeedMetricKeys: Readonly<Record<string, string>> = {
  total_income:
    "total_income mapped the report's 'Total Income' subtotal; qb-bridge adds up the income accounts themselves (total_revenue) and checks them against QuickBooks' Net Income, so map the income accounts to nrr, mrr, orr, product_sales or misc_revenue instead",
  total_expenses_qb:
    "total_expenses_qb mapped the report's 'Total Expense' subtotal; qb-bridge adds up the expense accounts themselves (total_expenses), so map the expense accounts instead",
  payroll_total:
    "payroll_total mapped the 'Total … Payroll Expenses' subtotal to carve owner pay out of payroll; here owner_comp / owner_comp_taxes mappings outrank the payroll ones (priority), so map the owner's accounts to those instead",
};

/** Throws MappingValidationError unless the mapping can be stored and evaluated safely. */
export function validateMapping(input: MappingInput): MappingInput {
  if (!isMappedMetricKey(input.metricKey)) {
    const retired = retiredSeedMetricKeys[String(input.metricKey)];
    throw new MappingValidationError(
      retired ?? `qbr_metric_key must be one of ${mappedMetricKeys.join(', ')}`,
      'qbr_metric_key',
    );
  }
  if (!isMatchType(input.matchType)) {
    throw new MappingValidationError(`match_type must be one of ${matchTypes.join(', ')}`, 'match_type');
  }
  const pattern = input.pattern.trim();
  if (pattern === '' || pattern.length > maxPatternLength) {
    throw new MappingValidationError(
      `qb_account_pattern must be 1 to ${maxPatternLength} characters`,
      'qb_account_pattern',
    );
  }
  if (input.matchType !== 'regex' && pattern.replaceAll('%', '').trim() === '') {
    throw new MappingValidationError(
      'qb_account_pattern must contain text besides % (a pattern of only wildcards would match every account)',
      'qb_account_pattern',
    );
  }
  if (input.matchType === 'regex') checkRegex(pattern);
  if (!Number.isInteger(input.priority) || input.priority < 0 || input.priority > maxPriority) {
    throw new MappingValidationError(`priority must be a whole number from 0 to ${maxPriority}`, 'priority');
  }
  return { ...input, pattern };
}

/**
 * User regexes run on re2js (a pure-JS port of RE2), whose matching time is linear in the name whatever the
 * pattern: `.*.*.*.*.*.*!$` or `(a+)+$` cost what `abc` costs, so nothing has to guess which patterns are
 * dangerous. RE2 has no backreferences or lookarounds; a pattern using them is refused on write.
 */
function compileRegex(pattern: string): RE2JS {
  return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
}

/** Throws MappingValidationError unless the pattern is a regex re2js accepts, with RE2's reason in words. */
export function checkRegex(pattern: string): void {
  const fail = (why: string) => {
    throw new MappingValidationError(
      `qb_account_pattern is not a usable regex: ${why}`,
      'qb_account_pattern',
    );
  };
  if (pattern.length > maxRegexLength) fail(`it is longer than ${maxRegexLength} characters`);
  try {
    compileRegex(pattern);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const why = message.replace(/^error parsing regexp: /, '').replace('`(?i)', '`');
    fail(
      /\\[1-9]|\(\?<?[=!]/.test(pattern) ? `backreferences and lookarounds are not supported (${why})` : why,
    );
  }
}

/** Case- and normalisation-insensitive text for comparing account names ("Café" typed either way). */
export function normalizeName(text: string): string {
  return text.normalize('NFC').toLowerCase().trim();
}

/** An account path prepared once for every mapping it is tried against. */
export interface MatchSubject {
  nfc: string;
  normalized: string;
}

export function matchSubject(accountPath: string): MatchSubject {
  const nfc = accountPath.normalize('NFC');
  return { nfc, normalized: nfc.toLowerCase().trim() };
}

export type AccountMatcher = (subject: MatchSubject) => boolean;

export function compileMatcher(mapping: Pick<Mapping, 'pattern' | 'matchType'>): AccountMatcher {
  if (mapping.matchType === 'regex') {
    let re: RE2JS;
    try {
      re = compileRegex(mapping.pattern);
    } catch {
      // Stored before RE2 checked patterns on write (a lookahead, say): it matches nothing, so the account
      // shows up as unmapped rather than the whole session failing.
      return () => false;
    }
    return (subject) => re.test(subject.nfc);
  }
  if (mapping.matchType === 'exact') {
    const wanted = normalizeName(mapping.pattern.replaceAll('%', ''));
    return (subject) => subject.normalized === wanted;
  }
  // `%` separates pieces that must appear in this order ("Payroll%Tax"); `%X%` is a plain substring.
  const pieces = normalizeName(mapping.pattern)
    .split('%')
    .filter((p) => p !== '');
  return ({ normalized }) => {
    let from = 0;
    for (const piece of pieces) {
      const at = normalized.indexOf(piece, from);
      if (at < 0) return false;
      from = at + piece.length;
    }
    return true;
  };
}

/** The order mappings are tried in: exact (per-account overrides) first, then priority, then age. */
export function evaluationOrder<T extends Mapping>(mappings: readonly T[]): T[] {
  return mappings
    .filter((m) => m.isActive)
    .sort(
      (a, b) =>
        Number(b.matchType === 'exact') - Number(a.matchType === 'exact') ||
        b.priority - a.priority ||
        a.id - b.id,
    );
}

/**
 * Metrics fed by Income / Other Income accounts; the other mapped metrics (bar `ignore`) take expense
 * accounts, `uncategorized_expenses` included (it is kept out of the totals, see `metrics.ts`).
 */
export const revenueMetricKeys = ['nrr', 'mrr', 'orr', 'product_sales', 'misc_revenue'] as const;
export const expenseMetricKeys = [
  'employee_expense',
  'owner_comp',
  'owner_comp_taxes',
  'product_cogs',
  'other_expenses',
] as const;

const revenueKinds: readonly AccountKind[] = ['income', 'other_income'];
const expenseKinds: readonly AccountKind[] = ['cogs', 'expense', 'other_expense'];

const kindWords: Record<AccountKind, string> = {
  income: 'an income account',
  cogs: 'a cost of goods sold account',
  expense: 'an expense account',
  other_income: 'an other income account',
  other_expense: 'an other expense account',
  unknown: 'an account outside any Income/Expense section of the report',
};

/** Why this mapping's metric cannot take an account of this kind, or null when it can. */
export function sectionConflict(
  mapping: Pick<Mapping, 'metricKey' | 'pattern'>,
  kind: AccountKind,
): string | null {
  const key = mapping.metricKey;
  if (key === 'ignore') return null;
  const revenue = (revenueMetricKeys as readonly string[]).includes(key);
  const allowed = revenue ? revenueKinds : expenseKinds;
  if (allowed.includes(kind)) return null;
  const wanted = revenue ? 'Income or Other Income' : 'Cost of Goods Sold, Expense or Other Expense';
  return `matched mapping '${mapping.pattern}' (${key}) but is ${kindWords[kind]}; ${key} takes only ${wanted} accounts`;
}

export interface Resolution {
  /** The mapping that decides this account, or null when none fits (an unmapped account). */
  mapping: Mapping | null;
  /** Higher-ranked mappings whose pattern matched but whose metric is on the other side of the P&L. */
  passedOver: Array<{ mappingId: number; reason: string }>;
}

export interface MappingResolver {
  resolve(accountPath: string, kind: AccountKind): Resolution;
}

export function createResolver(mappings: readonly Mapping[]): MappingResolver {
  const ordered = evaluationOrder(mappings).map((m) => ({ mapping: m, matches: compileMatcher(m) }));
  const cache = new Map<string, Resolution>();
  return {
    resolve(accountPath, kind) {
      const key = `${kind}\u0000${accountPath}`;
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const subject = matchSubject(accountPath);
      const passedOver: Resolution['passedOver'] = [];
      let found: Mapping | null = null;
      for (const o of ordered) {
        if (!o.matches(subject)) continue;
        const conflict = sectionConflict(o.mapping, kind);
        if (conflict === null) {
          found = o.mapping;
          break;
        }
        passedOver.push({ mappingId: o.mapping.id, reason: conflict });
      }
      const resolution = { mapping: found, passedOver };
      cache.set(key, resolution);
      return resolution;
    },
  };
}
