import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { listQbrAudit } from '../../gateway/src/qbwc/audit/audit';
import { qbwcApiRoutes } from '../../gateway/src/qbwc/routes';
import { createQbwcWork } from '../../gateway/src/qbwc/service';
import { createApp } from '../../gateway/src/server/app';
import { allMigrations } from '../../gateway/src/store/all-migrations';
import { openDatabase } from '../../gateway/src/store/database';
import { applyMigrations, type Migration } from '../../gateway/src/store/migrations';
import { capturingLogger } from '../helpers/context';
import {
  fixture,
  newSession,
  openTestContext,
  profitAndLossXml,
  type TestContext,
  withRequestId,
} from './helpers';

let t: TestContext;
let token: string;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  t = openTestContext();
  token = createApiToken(t.ctx.db, 'test').token;
  app = createApp(t.ctx, { modules: [qbwcApiRoutes] });
});
afterEach(() => t.cleanup());

async function call(method: string, path: string, body?: unknown, auth = true) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${token}`;
  const res = await app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { data: never } };
}

/** One complete Web Connector session for March 2025 (previous month) and April (current). */
function syncMarch(xml = fixture('pnl-nested.xml')) {
  const work = createQbwcWork(t.ctx, { now: () => new Date('2025-04-02T09:00:00Z'), minIntervalMs: 0 });
  const session = newSession(t.ctx);
  work.plan(session);
  work.receive(session, { xml, hresult: '', message: '' });
  work.receive(session, {
    xml: withRequestId(fixture('pnl-simple.xml'), 'pl-2025-04'),
    hresult: '',
    message: '',
  });
  work.receive(session, { xml: fixture('employees-none.xml'), hresult: '', message: '' });
  work.finish(session, 'completed');
}

describe('/api/qbwc REST', () => {
  it('refuses every endpoint without a token', async () => {
    for (const [method, path] of [
      ['GET', '/api/qbwc/status'],
      ['GET', '/api/qbwc/mappings'],
      ['POST', '/api/qbwc/mappings'],
      ['PUT', '/api/qbwc/mappings/1'],
      ['DELETE', '/api/qbwc/mappings/1'],
      ['GET', '/api/qbwc/history'],
      ['GET', '/api/qbwc/metrics'],
      ['POST', '/api/qbwc/reprocess'],
    ] as const) {
      expect(
        (await call(method, path, method === 'GET' ? undefined : {}, false)).status,
        `${method} ${path}`,
      ).toBe(401);
    }
  });

  it('serves metrics as decimal strings per period, zeros included', async () => {
    syncMarch();
    const { status, json } = await call('GET', '/api/qbwc/metrics?from=2025-03&to=2025-03');
    expect(status).toBe(200);
    const rows = json.data as Array<Record<string, string>>;
    expect(rows).toHaveLength(13);
    expect(rows.find((r) => r.metric_name === 'net_profit')).toEqual({
      period: '2025-03',
      metric_name: 'net_profit',
      metric_value: '8623.74',
      data_source: 'calculated',
    });
    // computed by qb-bridge: calculated (the seed's dashboard ranks calculated above quickbooks);
    // summed straight from QuickBooks accounts: quickbooks
    const sources = Object.fromEntries(rows.map((r) => [r.metric_name, r.data_source]));
    expect(sources).toEqual({
      nrr: 'quickbooks',
      mrr: 'quickbooks',
      orr: 'quickbooks',
      product_sales: 'quickbooks',
      misc_revenue: 'quickbooks',
      employee_expense: 'quickbooks',
      owner_comp: 'quickbooks',
      owner_comp_taxes: 'quickbooks',
      product_cogs: 'quickbooks',
      other_expenses: 'quickbooks',
      total_revenue: 'calculated',
      total_expenses: 'calculated',
      net_profit: 'calculated',
    });
    expect(rows.find((r) => r.metric_name === 'owner_comp')?.metric_value).toBe('0.00');
    const april = (await call('GET', '/api/qbwc/metrics?from=2025-04&to=2025-04')).json.data as Array<
      Record<string, string>
    >;
    expect(april.find((r) => r.metric_name === 'employees')?.metric_value).toBe('0');
    expect((await call('GET', '/api/qbwc/metrics?from=2025-3')).status).toBe(400);
    expect((await call('GET', '/api/qbwc/metrics?from=2025-05&to=2025-03')).status).toBe(400);
  });

  it('validates mapping writes and audits them; a mapping change plus reprocess moves the money', async () => {
    syncMarch();
    const invalid = await call('POST', '/api/qbwc/mappings', {
      qbr_metric_key: 'other_expenses',
      qb_account_pattern: '(?=Payroll)Pay',
      match_type: 'regex',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.message).toMatch(/lookarounds are not supported/);
    expect(
      (await call('POST', '/api/qbwc/mappings', { qbr_metric_key: 'x', qb_account_pattern: 'y' })).status,
    ).toBe(400);
    // A key the original tool's users added is refused with what replaces it.
    const retired = await call('POST', '/api/qbwc/mappings', {
      qbr_metric_key: 'payroll_total',
      qb_account_pattern: 'Total Payroll Expenses',
    });
    expect(retired.status).toBe(400);
    expect(retired.json.message).toMatch(/owner_comp/);
    expect(
      (
        await call('POST', '/api/qbwc/mappings', {
          qbr_metric_key: 'nrr',
          qb_account_pattern: 'y',
          match_type: 'like',
        })
      ).status,
    ).toBe(400);

    const created = await call('POST', '/api/qbwc/mappings', {
      qbr_metric_key: 'other_expenses',
      qb_account_pattern: '6100 · Bank Charges:Fees',
      match_type: 'exact',
      notes: 'bank fees are overhead',
    });
    expect(created.status).toBe(201);
    const id = (created.json.data as { id: number }).id;
    expect(
      (
        await call('POST', '/api/qbwc/mappings', {
          qbr_metric_key: 'other_expenses',
          qb_account_pattern: '6100 · Bank Charges:Fees',
          match_type: 'exact',
        })
      ).status,
    ).toBe(409);

    const reprocessed = await call('POST', '/api/qbwc/reprocess', { period: '2025-03' });
    expect(reprocessed.status).toBe(200);
    const metrics = (await call('GET', '/api/qbwc/metrics?from=2025-03&to=2025-03')).json.data as Array<
      Record<string, string>
    >;
    expect(metrics.find((r) => r.metric_name === 'other_expenses')?.metric_value).toBe('824.10'); // 789.10 + 35.00
    expect(metrics.find((r) => r.metric_name === 'net_profit')?.metric_value).toBe('8588.74');

    const updated = await call('PUT', `/api/qbwc/mappings/${id}`, { is_active: false });
    expect(updated.status).toBe(200);
    expect((updated.json.data as { is_active: boolean }).is_active).toBe(false);
    expect((await call('PUT', '/api/qbwc/mappings/99999', { is_active: false })).status).toBe(404);
    expect(
      (await call('PUT', `/api/qbwc/mappings/${id}`, { match_type: 'regex', qb_account_pattern: '(' }))
        .status,
    ).toBe(400);
    expect((await call('DELETE', `/api/qbwc/mappings/${id}`)).status).toBe(200);
    expect((await call('DELETE', `/api/qbwc/mappings/${id}`)).status).toBe(404);

    const actions = listQbrAudit(t.ctx.db).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'qbwc_mapping_create',
        'qbwc_mapping_update',
        'qbwc_mapping_delete',
        'qbwc_reprocess',
        'qbwc_metrics_view',
      ]),
    );
    expect(listQbrAudit(t.ctx.db, { action: 'qbwc_mapping_create' })[0]?.actor).toBe('test');
  });

  it('lists 23 default mappings, history with unmapped accounts, and status per period', async () => {
    syncMarch();
    const mappings = (await call('GET', '/api/qbwc/mappings')).json.data as unknown[];
    expect(mappings).toHaveLength(23);
    const history = (await call('GET', '/api/qbwc/history?sync_type=profit_loss&period=2025-03')).json
      .data as Array<{
      parsed_data: { unmapped_count: number; net_income_matches: boolean };
      raw_chars: number;
    }>;
    expect(history).toHaveLength(1);
    expect(history[0]!.parsed_data.unmapped_count).toBe(4);
    expect(history[0]!.parsed_data.net_income_matches).toBe(true);
    expect(history[0]!.raw_chars).toBe(fixture('pnl-nested.xml').length);
    const status = (await call('GET', '/api/qbwc/status')).json.data as {
      unmapped_accounts: string[];
      periods: Array<{ period: string; unmapped_count: number; unmapped_accounts: string[] }>;
    };
    expect(status.periods.map((p) => p.period)).toEqual(['2025-03', '2025-04']);
    const march = status.periods[0]!;
    expect(march.unmapped_count).toBe(4);
    const unmapped = [
      '4000 · Services:4200 · Projects:4290 · Refunds',
      '6100 · Bank Charges:Fees',
      '6200 · Card Processing:Fees',
      '8000 · Penalties',
    ];
    expect(march.unmapped_accounts).toEqual(unmapped);
    expect(status.unmapped_accounts).toEqual(unmapped); // April has the same ones
    expect((await call('GET', '/api/qbwc/history?limit=0')).status).toBe(400);
  });

  it('a month whose metrics do not reconcile with Net Income is shown in status and history and logged', async () => {
    t.cleanup();
    const captured = capturingLogger('warn');
    t = openTestContext({}, captured.log);
    token = createApiToken(t.ctx.db, 'test').token;
    app = createApp(t.ctx, { modules: [qbwcApiRoutes] });
    // QuickBooks' Net Income row says 8,700.00; its accounts (and so the metrics) give 8,800.00
    syncMarch(
      profitAndLossXml(
        [
          { header: 'Income', accounts: [['4100 · Managed Services', '10000.00']] },
          { header: 'Expense', accounts: [['6200 · Annual Insurance Premium', '1200.00']] },
        ],
        { netIncome: '8700.00' },
      ),
    );
    const status = (await call('GET', '/api/qbwc/status')).json.data as {
      periods: Array<{
        period: string;
        net_income_matches: boolean;
        reconciliation: Record<string, unknown>;
      }>;
    };
    const march = status.periods.find((p) => p.period === '2025-03')!;
    expect(march.net_income_matches).toBe(false);
    expect(march.reconciliation).toEqual({
      qb_net_income: '8700.00',
      computed_net_profit: '10000.00',
      unmapped_net: '-1200.00',
      ignored_net: '0.00',
      uncategorized_net: '0.00',
      difference_cents: 10_000,
    });
    const history = (await call('GET', '/api/qbwc/history?sync_type=profit_loss&period=2025-03')).json
      .data as Array<{ parsed_data: { reconciliation: { difference_cents: number } } }>;
    expect(history[0]!.parsed_data.reconciliation.difference_cents).toBe(10_000);
    const warnings = captured.lines.filter((l) => l.includes('do not reconcile'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"period":"2025-03"');
    expect(warnings[0]).toContain('"differenceCents":10000');
    // April reconciles: no warning for it
    expect(status.periods.find((p) => p.period === '2025-04')?.reconciliation).toMatchObject({
      difference_cents: 0,
    });
  });

  it('a computed metric written before as quickbooks is replaced, not duplicated, by reprocessing', async () => {
    syncMarch();
    // what earlier versions wrote: the computed metrics under data_source 'quickbooks'
    t.ctx.db
      .prepare(
        `INSERT INTO qbr_metrics_monthly (period, metric_name, metric_value, value_int, unit, data_source,
           created_at, updated_at)
         VALUES ('2025-03', 'net_profit', '1.00', 100, 'cents', 'quickbooks', 'x', 'x')`,
      )
      .run();
    expect((await call('POST', '/api/qbwc/reprocess', { period: '2025-03' })).status).toBe(200);
    const rows = (await call('GET', '/api/qbwc/metrics?from=2025-03&to=2025-03')).json.data as Array<
      Record<string, string>
    >;
    expect(rows.filter((r) => r.metric_name === 'net_profit')).toEqual([
      { period: '2025-03', metric_name: 'net_profit', metric_value: '8623.74', data_source: 'calculated' },
    ]);
    expect(rows).toHaveLength(13);
  });

  it('reprocess needs a period or all, and says when nothing is stored', async () => {
    expect((await call('POST', '/api/qbwc/reprocess', {})).status).toBe(400);
    const badMonth = await call('POST', '/api/qbwc/reprocess', { period: '2025-13' });
    expect(badMonth.status).toBe(400);
    // The sentence names the value and the rule, not the generic shape of the body.
    expect(badMonth.json.message).toBe(
      'period "2025-13" is not a month: write YYYY-MM with a month from 01 to 12, e.g. 2025-01',
    );
    const none = await call('POST', '/api/qbwc/reprocess', { all: true });
    expect(none.status).toBe(404);
    expect(none.json.message).toMatch(/run the Web Connector/);
  });
});

describe('qbwc.data migration 2', () => {
  it('moves computed metrics stored as quickbooks to calculated, keeping one row per metric', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-qbwc-mig-'));
    const db = openDatabase(dir);
    try {
      const isV2 = (m: Migration) => m.owner === 'qbwc.data' && m.version === 2;
      applyMigrations(
        db,
        allMigrations.filter((m) => !isV2(m)),
      );
      const insert = db.prepare(
        `INSERT INTO qbr_metrics_monthly (period, metric_name, metric_value, value_int, unit, data_source,
           created_at, updated_at) VALUES (?, ?, ?, ?, 'cents', ?, 'x', 'x')`,
      );
      insert.run('2025-01', 'net_profit', '5.00', 500, 'quickbooks');
      insert.run('2025-01', 'nrr', '7.00', 700, 'quickbooks');
      insert.run('2025-02', 'total_revenue', '1.00', 100, 'quickbooks');
      insert.run('2025-02', 'total_revenue', '2.00', 200, 'calculated');
      applyMigrations(db, allMigrations);
      expect(
        db
          .prepare(
            'SELECT period, metric_name, metric_value, data_source FROM qbr_metrics_monthly ORDER BY id',
          )
          .all(),
      ).toEqual([
        { period: '2025-01', metric_name: 'net_profit', metric_value: '5.00', data_source: 'calculated' },
        { period: '2025-01', metric_name: 'nrr', metric_value: '7.00', data_source: 'quickbooks' },
        { period: '2025-02', metric_name: 'total_revenue', metric_value: '2.00', data_source: 'calculated' },
      ]);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
