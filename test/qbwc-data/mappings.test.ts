import { describe, expect, it } from 'vitest';
import { defaultMappings } from '../../gateway/src/qbwc/metrics/default-mappings';
import {
  checkRegex,
  createResolver,
  type Mapping,
  type MappingInput,
  type MappingResolver,
  MappingValidationError,
  validateMapping,
} from '../../gateway/src/qbwc/metrics/mappings';
import type { AccountKind } from '../../gateway/src/qbwc/metrics/pnl';

const base: MappingInput = {
  metricKey: 'other_expenses',
  pattern: '%Expense%',
  matchType: 'contains',
  priority: 100,
  isActive: true,
  notes: null,
};

/** The metric an expense account lands in (these tests are about names; sections are tested below). */
function keyOf(resolver: MappingResolver, path: string, kind: AccountKind = 'expense') {
  return resolver.resolve(path, kind).mapping?.metricKey ?? null;
}

function withIds(list: readonly MappingInput[]): Mapping[] {
  return list.map((m, i) => ({ ...m, id: i + 1 }));
}

describe('mapping validation', () => {
  it('rejects unknown metrics and match types, empty or wildcard-only patterns, bad priorities', () => {
    const bad: Array<[Partial<MappingInput>, string]> = [
      [{ metricKey: 'revenue' as MappingInput['metricKey'] }, 'qbr_metric_key'],
      [{ matchType: 'like' as MappingInput['matchType'] }, 'match_type'],
      [{ pattern: '   ' }, 'qb_account_pattern'],
      [{ pattern: '%%' }, 'qb_account_pattern'],
      [{ pattern: 'x'.repeat(256) }, 'qb_account_pattern'],
      [{ priority: -1 }, 'priority'],
      [{ priority: 1.5 }, 'priority'],
    ];
    for (const [patch, field] of bad) {
      expect(() => validateMapping({ ...base, ...patch })).toThrow(MappingValidationError);
      try {
        validateMapping({ ...base, ...patch });
      } catch (error) {
        expect((error as MappingValidationError).field).toBe(field);
      }
    }
  });

  it('refuses regexes RE2 cannot run, saying why; accepts the nested quantifiers it runs in linear time', () => {
    const refused: Array<[string, RegExp]> = [
      ['(unclosed', /missing closing \)/],
      ['(a)\\1', /backreferences and lookarounds are not supported/],
      ['(?=Payroll)Pay', /backreferences and lookarounds are not supported/],
      ['(?<!Owner )Draw', /backreferences and lookarounds are not supported/],
      ['x'.repeat(201), /longer than 200 characters/],
    ];
    for (const [pattern, why] of refused) {
      expect(() => checkRegex(pattern), pattern).toThrow(why);
    }
    for (const pattern of [
      '^6[0-9]{3} · ',
      'payroll|wages',
      '(?:officer|owner) comp',
      '[a-z]+ expense$',
      '(ab)+',
      '(a+)+$',
      '(a|ab)*c',
    ]) {
      expect(() => checkRegex(pattern), pattern).not.toThrow();
    }
  });

  it('runs hostile regexes in linear time: patterns that stalled V8 for seconds match long names at once', () => {
    // Each of these took V8's backtracking engine seconds to minutes on names of this length (issue 15 #2).
    const hostile = [
      '.*.*.*.*.*.*!$',
      `${'a?'.repeat(24)}${'a'.repeat(24)}$`,
      `${'\\s*'.repeat(7)}!`,
      `${'[^!]*'.repeat(6)}!$`,
      '(a+)+$',
    ];
    const names = [
      '4100 · Managed Services:4190 · Service Credits (Rückerstattung)',
      `${'a'.repeat(200)}b`,
      `6300 · Payroll Expenses:${' '.repeat(120)}x`,
    ];
    const resolver = createResolver(
      withIds(
        hostile.map((pattern, i) => ({ ...base, pattern, matchType: 'regex' as const, priority: 500 + i })),
      ),
    );
    const started = performance.now();
    for (const name of names) expect(keyOf(resolver, name)).toBeNull();
    // A linear engine does this in milliseconds; V8's took minutes.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('regex mappings ignore case, ASCII and not (a case-sensitive regex would miss every account below)', () => {
    const resolver = createResolver(
      withIds([
        { ...base, metricKey: 'employee_expense', pattern: '^6300 · payroll expenses:', matchType: 'regex' },
        { ...base, metricKey: 'product_cogs', pattern: 'CAFÉ (&|and) meals', matchType: 'regex' },
      ]),
    );
    expect(keyOf(resolver, '6300 · Payroll Expenses:6310 · Wages')).toBe('employee_expense');
    expect(keyOf(resolver, '6300 · PAYROLL EXPENSES:6320 · Payroll Taxes')).toBe('employee_expense');
    expect(keyOf(resolver, '6800 · Café & Meals (Ngụy)')).toBe('product_cogs');
    expect(keyOf(resolver, '6810 · café and MEALS')).toBe('product_cogs');
    expect(keyOf(resolver, '6500 · Rent Expense')).toBeNull();
  });

  it('the defaults (the seed 22 plus Uncategorized Expense) are valid contains mappings with the catch-all last', () => {
    expect(defaultMappings).toHaveLength(23);
    for (const m of defaultMappings) expect(validateMapping(m)).toEqual(m);
    const lowest = Math.min(...defaultMappings.map((m) => m.priority));
    expect(defaultMappings.filter((m) => m.priority === lowest).map((m) => m.pattern)).toEqual(['%Expense%']);
  });
});

describe('choosing a mapping for an account', () => {
  it('per-account exact overrides beat every pattern, then priority, then the older mapping', () => {
    const resolver = createResolver(
      withIds([
        { ...base, metricKey: 'employee_expense', pattern: '%Payroll%', priority: 200 },
        { ...base, metricKey: 'owner_comp', pattern: '%Officer%', priority: 300 },
        { ...base, metricKey: 'other_expenses', pattern: '%Expense%', priority: 0 },
        {
          ...base,
          metricKey: 'ignore',
          pattern: '6300 · Payroll Expenses:6390 · Owner Officer Draw',
          matchType: 'exact',
          priority: 0,
        },
        { ...base, metricKey: 'mrr', pattern: '%Payroll%', priority: 200, matchType: 'regex' },
      ]),
    );
    expect(keyOf(resolver, '6300 · Payroll Expenses:6310 · Wages')).toBe('employee_expense');
    expect(keyOf(resolver, '6300 · Payroll Expenses:6320 · Officer Salaries')).toBe('owner_comp');
    expect(keyOf(resolver, '6300 · PAYROLL EXPENSES:6390 · Owner Officer Draw')).toBe('ignore');
    expect(keyOf(resolver, '6500 · Rent Expense')).toBe('other_expenses');
    expect(keyOf(resolver, '6100 · Bank Charges')).toBeNull();
  });

  it('matches non-ASCII names case-insensitively and treats inner % as "anything between"', () => {
    const resolver = createResolver(
      withIds([
        { ...base, metricKey: 'product_cogs', pattern: '%café équipement%' },
        { ...base, metricKey: 'employee_expense', pattern: 'Payroll%Tax' },
      ]),
    );
    expect(keyOf(resolver, '6600 · CAFÉ ÉQUIPEMENT')).toBe('product_cogs');
    expect(keyOf(resolver, '6600 · Cafe\u0301 E\u0301quipement')).toBe('product_cogs'); // decomposed form
    expect(keyOf(resolver, 'Payroll:Employer Taxes')).toBe('employee_expense');
    expect(keyOf(resolver, 'Taxes:Payroll')).toBeNull();
  });

  it('a name match on the other side of the P&L is passed over, with the reason kept', () => {
    const resolver = createResolver(
      withIds([
        { ...base, metricKey: 'orr', pattern: '%Annual%', priority: 200 },
        { ...base, metricKey: 'other_expenses', pattern: '%Premium%', priority: 100 },
        { ...base, metricKey: 'ignore', pattern: '%Suspense%', priority: 50 },
      ]),
    );
    const premium = resolver.resolve('6200 · Annual Insurance Premium', 'expense');
    expect(premium.mapping?.metricKey).toBe('other_expenses');
    expect(premium.passedOver).toEqual([
      {
        mappingId: 1,
        reason: expect.stringContaining("matched mapping '%Annual%' (orr) but is an expense account"),
      },
    ]);
    expect(keyOf(resolver, '4300 · Annual Support', 'income')).toBe('orr');
    expect(keyOf(resolver, '4300 · Annual Support', 'cogs')).toBeNull();
    expect(keyOf(resolver, '7100 · Annual Rebate', 'other_income')).toBe('orr');
    expect(keyOf(resolver, '8000 · Annual Fine', 'other_expense')).toBeNull();
    // ignore fits any section; an account outside every section fits no metric
    expect(keyOf(resolver, '4999 · Suspense', 'income')).toBe('ignore');
    expect(keyOf(resolver, '6999 · Suspense', 'unknown')).toBe('ignore');
    expect(resolver.resolve('9000 · Annual Thing', 'unknown').passedOver[0]?.reason).toMatch(
      /outside any Income\/Expense section/,
    );
  });

  it('inactive mappings are skipped', () => {
    const resolver = createResolver(withIds([{ ...base, isActive: false }]));
    expect(keyOf(resolver, '6500 · Rent Expense')).toBeNull();
  });
});
