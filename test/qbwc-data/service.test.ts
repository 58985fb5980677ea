import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../gateway/src/qbwc/metrics/history-store';
import { createQbwcWork } from '../../gateway/src/qbwc/service';
import { capturingLogger } from '../helpers/context';
import { fixture, newSession, openTestContext, type TestContext, withRequestId } from './helpers';

let t: TestContext;
afterEach(() => t?.cleanup());

const feb10 = () => new Date('2025-02-10T12:00:00Z');

function metricsOf(tc: TestContext, period: string): Record<string, string> {
  const rows = new HistoryStore(tc.ctx.db).metrics(period, period);
  return Object.fromEntries(rows.map((r) => [r.metric_name, r.metric_value]));
}

describe('QBWC work session', () => {
  it('asks for the previous and current month then the employee count, and stores metrics to the cent', () => {
    t = openTestContext();
    const work = createQbwcWork(t.ctx, { now: feb10 });
    const session = newSession(t.ctx);
    expect(work.plan(session)).toBe(3);

    const first = work.nextRequest(session)!;
    expect(first).toMatchObject({ kind: 'profit_loss', period: '2025-01' });
    expect(first.xml).toContain('<FromReportDate>2025-01-01</FromReportDate>');
    expect(first.xml).toContain('<ReportBasis>Accrual</ReportBasis>');
    expect(work.nextRequest(session)).toEqual(first); // a repeated sendRequestXML gets the same request

    expect(work.receive(session, { xml: fixture('pnl-simple.xml'), hresult: '', message: '' })).toEqual({
      percent: 33,
    });
    const second = work.nextRequest(session)!;
    expect(second).toMatchObject({ kind: 'profit_loss', period: '2025-02' });
    const feb = withRequestId(fixture('pnl-simple.xml'), 'pl-2025-02');
    expect(work.receive(session, { xml: feb, hresult: '', message: '' }).percent).toBe(66);
    expect(work.nextRequest(session)).toMatchObject({ kind: 'employees', period: '2025-02' });
    expect(work.receive(session, { xml: fixture('employees-two.xml'), hresult: '', message: '' })).toEqual({
      percent: 100,
    });
    expect(work.nextRequest(session)).toBeNull();
    work.finish(session, 'completed');

    const jan = metricsOf(t, '2025-01');
    expect(jan).toMatchObject({
      mrr: '80000.00',
      nrr: '25000.00',
      employee_expense: '30000.00',
      other_expenses: '20000.00',
      total_revenue: '105000.00',
      total_expenses: '50000.00',
      net_profit: '55000.00',
      orr: '0.00',
      owner_comp: '0.00',
    });
    expect(Object.keys(jan)).toHaveLength(13);
    expect(metricsOf(t, '2025-02').employees).toBe('2');
  });

  it('answers -1 with a sentence and stores the error when QuickBooks reports an HRESULT', () => {
    t = openTestContext();
    const work = createQbwcWork(t.ctx, { now: feb10 });
    const session = newSession(t.ctx);
    work.plan(session);
    const outcome = work.receive(session, {
      xml: '',
      hresult: '0x80040400',
      message: 'QuickBooks found an error when parsing the provided XML text stream.',
    });
    expect(outcome.percent).toBe(-1);
    expect(outcome.error).toContain('0x80040400');
    expect(outcome.error).toContain('2025-01');
    const [row] = new HistoryStore(t.ctx.db).list();
    expect(row).toMatchObject({ outcome: 'error', period: '2025-01', syncType: 'profit_loss' });
    // the failed month is asked again, not skipped
    expect(work.nextRequest(session)).toMatchObject({ period: '2025-01' });
  });

  it('continues after a gateway restart mid-session and speaks the negotiated qbXML version', () => {
    t = openTestContext({ QBWC_REPORT_BASIS: 'Cash' });
    const session = newSession(t.ctx, '12.0');
    createQbwcWork(t.ctx, { now: feb10 }).plan(session);
    createQbwcWork(t.ctx, { now: feb10 }).receive(session, {
      xml: fixture('pnl-simple.xml'),
      hresult: '',
      message: '',
    });
    const restarted = createQbwcWork(t.ctx, { now: feb10 });
    const next = restarted.nextRequest(session)!;
    expect(next.period).toBe('2025-02');
    expect(next.xml).toContain('<?qbxml version="12.0"?>');
    expect(next.xml).toContain('<ReportBasis>Cash</ReportBasis>');
  });

  it('an error status or an unreadable response is -1 and stored as an error, never as a success', () => {
    t = openTestContext();
    const work = createQbwcWork(t.ctx, { now: feb10 });
    const session = newSession(t.ctx);
    work.plan(session);
    const refused = work.receive(session, {
      xml: withRequestId(fixture('pnl-status-3120.xml'), 'pl-2025-01'),
      hresult: '',
      message: '',
    });
    expect(refused.percent).toBe(-1);
    expect(refused.error).toMatch(/status 3120/);
    const doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><QBXML/>';
    const hostile = work.receive(session, { xml: doctype, hresult: '', message: '' });
    expect(hostile.percent).toBe(-1);
    const rows = new HistoryStore(t.ctx.db).list();
    expect(rows.map((r) => r.outcome)).toEqual(['error', 'error']);
    expect(new HistoryStore(t.ctx.db).rawResponse(rows[0]!.id)).toBe(doctype); // kept whole for audit
    expect(metricsOf(t, '2025-01')).toEqual({});
  });

  it('statusCode 1 writes zeros over stale values; a 500 warning still yields metrics', () => {
    t = openTestContext();
    const session = newSession(t.ctx);
    const work = createQbwcWork(t.ctx, { now: feb10, minIntervalMs: 0 });
    work.plan(session);
    work.receive(session, { xml: fixture('pnl-simple.xml'), hresult: '', message: '' });
    expect(metricsOf(t, '2025-01').mrr).toBe('80000.00');
    const again = newSession(t.ctx);
    work.plan(again);
    expect(
      work.receive(again, {
        xml: withRequestId(fixture('pnl-status-1.xml'), 'pl-2025-01'),
        hresult: '',
        message: '',
      }).percent,
    ).toBe(33);
    expect(metricsOf(t, '2025-01')).toMatchObject({ mrr: '0.00', total_revenue: '0.00', net_profit: '0.00' });
    work.receive(again, {
      xml: withRequestId(fixture('pnl-status-500.xml'), 'pl-2025-02'),
      hresult: '',
      message: '',
    });
    expect(metricsOf(t, '2025-02').mrr).toBe('1000.00');
    expect(new HistoryStore(t.ctx.db).list({ period: '2025-02' })[0]?.outcome).toBe('warning');
  });

  it('answers "none" (0 requests) right after a complete sync, and plans backlog months from QBWC_START_PERIOD', () => {
    t = openTestContext({ QBWC_START_PERIOD: '2024-11' });
    const work = createQbwcWork(t.ctx, { now: feb10 });
    const first = newSession(t.ctx);
    expect(work.plan(first)).toBe(5); // 2024-11, 2024-12, 2025-01, 2025-02, employees
    const months = ['2024-11', '2024-12', '2025-01', '2025-02'];
    for (const m of months) {
      work.receive(first, {
        xml: withRequestId(fixture('pnl-simple.xml'), `pl-${m}`),
        hresult: '',
        message: '',
      });
    }
    expect(work.receive(first, { xml: fixture('employees-two.xml'), hresult: '', message: '' }).percent).toBe(
      100,
    );
    expect(work.plan(newSession(t.ctx))).toBe(0);
    const later = createQbwcWork(t.ctx, { now: () => new Date('2025-02-10T13:00:00Z') });
    expect(later.plan(newSession(t.ctx))).toBe(3); // only previous + current month + employees again
  });

  it("says in words what was wrong with a malformed response, keeping the parser's details in the log", () => {
    const captured = capturingLogger('warn');
    t = openTestContext({}, captured.log);
    const work = createQbwcWork(t.ctx, { now: feb10 });
    const session = newSession(t.ctx);
    work.plan(session);
    const whole = fixture('pnl-simple.xml');
    const cut = whole.slice(0, Math.floor(whole.length * 0.6)); // the report was cut off on the way
    const outcome = work.receive(session, { xml: cut, hresult: '', message: '' });
    expect(outcome.percent).toBe(-1);
    expect(outcome.error).toBe(
      "Profit & Loss for 2025-01: QuickBooks' response is not well-formed XML (it may have been cut off or damaged on the way), so none of it was used; the qb-bridge log has the details",
    );
    // no parser internals, positions or slices of the report reach the user
    expect(outcome.error).not.toMatch(/position|readTagExp|line \d|ColData|<|>/);
    const warning = captured.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.detail);
    expect(warning).toMatchObject({ msg: 'qbwc response not usable' });
    expect(String(warning!.detail)).toMatch(/not well-formed XML: .+/);
  });
});
