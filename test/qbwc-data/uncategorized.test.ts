import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../gateway/src/qbwc/metrics/history-store';
import { MappingStore } from '../../gateway/src/qbwc/metrics/mapping-store';
import { MappingValidationError } from '../../gateway/src/qbwc/metrics/mappings';
import { reprocess } from '../../gateway/src/qbwc/metrics/reprocess';
import { createQbwcWork } from '../../gateway/src/qbwc/service';
import { allMigrations } from '../../gateway/src/store/all-migrations';
import { openDatabase } from '../../gateway/src/store/database';
import { applyMigrations } from '../../gateway/src/store/migrations';
import { fixture, newSession, openTestContext, profitAndLossXml, type TestContext } from './helpers';

let t: TestContext;
afterEach(() => t?.cleanup());

const april2 = () => new Date('2025-04-02T09:00:00Z');

/** March 2025 with (or without) an uncategorized expense still to be classified. */
function march(uncategorized: boolean): string {
  return profitAndLossXml([
    { header: 'Income', accounts: [['4100 · Managed Services', '10000.00']] },
    {
      header: 'Expense',
      accounts: [
        ['6500 · Rent Expense', '2000.00'],
        ...(uncategorized ? ([['6999 · Uncategorized Expenses', '1234.56']] as Array<[string, string]>) : []),
      ],
    },
  ]);
}

/** One whole session: March (previous month), April (current), the headcount. */
function sync(marchXml: string) {
  const work = createQbwcWork(t.ctx, { now: april2, minIntervalMs: 0 });
  const session = newSession(t.ctx);
  expect(work.plan(session)).toBe(3);
  work.receive(session, { xml: marchXml, hresult: '', message: '' });
  work.receive(session, {
    xml: march(false).replace('requestID="pl-2025-03"', 'requestID="pl-2025-04"'),
    hresult: '',
    message: '',
  });
  expect(
    work.receive(session, { xml: fixture('employees-none.xml'), hresult: '', message: '' }).percent,
  ).toBe(100);
  work.finish(session, 'completed');
}

function metrics(period: string): Record<string, string> {
  const rows = new HistoryStore(t.ctx.db).metrics(period, period);
  return Object.fromEntries(rows.map((r) => [r.metric_name, r.metric_value]));
}

describe('uncategorized expenses (the seed subtracted account 6999 from total_expenses)', () => {
  it('are shown on their own, kept out of total_expenses and net_profit, and the month still reconciles', () => {
    t = openTestContext();
    sync(march(true));
    expect(metrics('2025-03')).toMatchObject({
      mrr: '10000.00',
      // Rent Expense 2,000.00 only: the catch-all %Expense% does not take the uncategorized account
      other_expenses: '2000.00',
      uncategorized_expenses: '1234.56',
      total_expenses: '2000.00',
      // 10,000.00 − 2,000.00
      net_profit: '8000.00',
    });
    const [row] = new HistoryStore(t.ctx.db).list({ syncType: 'profit_loss', period: '2025-03' });
    // QuickBooks: 10,000.00 − 2,000.00 − 1,234.56 = 6,765.44 = net_profit 8,000.00 − 1,234.56
    expect(row!.parsedData).toMatchObject({
      net_income_reported: '6765.44',
      net_income_matches: true,
      unmapped_count: 0,
      reconciliation: { uncategorized_net: '-1234.56', difference_cents: 0 },
    });
  });

  it('a month with none has no uncategorized_expenses row; one cleared later loses it', () => {
    t = openTestContext();
    sync(march(true));
    expect(metrics('2025-03').uncategorized_expenses).toBe('1234.56');
    // The bookkeeper classified it; the next sync reads March again (the previous month is always re-read).
    sync(march(false));
    const after = metrics('2025-03');
    expect(after.uncategorized_expenses).toBeUndefined();
    expect(after).toMatchObject({ other_expenses: '2000.00', net_profit: '8000.00' });
    // April never had uncategorized expenses: its 13 P&L metrics and the headcount, no uncategorized row.
    expect(metrics('2025-04')).not.toHaveProperty('uncategorized_expenses');
    expect(Object.keys(metrics('2025-04'))).toHaveLength(14);
  });

  it('deactivating the default mapping counts them as ordinary expenses again (reprocess, no QuickBooks)', () => {
    t = openTestContext();
    sync(march(true));
    const store = new MappingStore(t.ctx.db);
    const mapping = store.list().find((m) => m.metricKey === 'uncategorized_expenses')!;
    expect(mapping.pattern).toBe('%Uncategorized Expense%');
    store.update(mapping.id, { isActive: false });
    reprocess(t.ctx, { period: '2025-03' });
    const after = metrics('2025-03');
    expect(after.uncategorized_expenses).toBeUndefined();
    // 2,000.00 + 1,234.56 through %Expense%; 10,000.00 − 3,234.56
    expect(after).toMatchObject({
      other_expenses: '3234.56',
      total_expenses: '3234.56',
      net_profit: '6765.44',
    });
  });

  it('accepts uncategorized_expenses for other accounts; refuses the seed keys that named subtotals, saying why', () => {
    t = openTestContext();
    const store = new MappingStore(t.ctx.db);
    const created = store.create({
      metricKey: 'uncategorized_expenses',
      pattern: '%Ask My Accountant%',
      matchType: 'contains',
      priority: 200,
      isActive: true,
      notes: null,
    });
    expect(created.metricKey).toBe('uncategorized_expenses');
    for (const [key, hint] of [
      ['total_income', /income accounts/],
      ['total_expenses_qb', /expense accounts/],
      ['payroll_total', /owner_comp/],
    ] as const) {
      const attempt = () =>
        store.create({
          metricKey: key as 'nrr',
          pattern: '%Total%',
          matchType: 'contains',
          priority: 200,
          isActive: true,
          notes: null,
        });
      expect(attempt).toThrow(MappingValidationError);
      expect(attempt).toThrow(hint);
    }
  });
});

describe('qbwc.data migration 3', () => {
  it('adds the Uncategorized Expense mapping to a database created before it, once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-qbwc-mig3-'));
    const db = openDatabase(dir);
    try {
      const isV3 = (m: { owner: string; version: number }) => m.owner === 'qbwc.data' && m.version === 3;
      applyMigrations(
        db,
        allMigrations.filter((m) => !isV3(m)),
      );
      // a database from before: its defaults never had the mapping
      db.prepare(`DELETE FROM qbwc_account_mappings WHERE qbr_metric_key = 'uncategorized_expenses'`).run();
      applyMigrations(db, allMigrations);
      applyMigrations(db, allMigrations);
      expect(
        db
          .prepare(
            `SELECT qb_account_pattern, priority, is_active FROM qbwc_account_mappings
             WHERE qbr_metric_key = 'uncategorized_expenses'`,
          )
          .all(),
      ).toEqual([{ qb_account_pattern: '%Uncategorized Expense%', priority: 200, is_active: 1 }]);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
