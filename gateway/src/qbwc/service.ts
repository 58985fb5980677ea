/**
 * The work a Web Connector session does (the `QbwcWork` seam in `work.ts`): plan the months to ask for,
 * hand out one qbXML request at a time, and turn each response into stored history and metrics.
 * All state lives in the store (`qbwc_work_state`), so a gateway restart mid-session continues where it
 * was; each response is consumed in one transaction (history row, metrics, cursor) so it counts once.
 */
import type { AppContext } from '../app/context';
import type { Logger } from '../log/logger';
import { HistoryStore, type MetricWrite } from './metrics/history-store';
import { type Interpretation, interpretEmployees, interpretProfitAndLoss } from './metrics/interpret';
import { MappingStore } from './metrics/mapping-store';
import { calculatedMetrics, profitAndLossMetrics } from './metrics/metrics';
import { defaultMaxReportsPerSession, monthRange, type PlanStep, planSession } from './metrics/plan';
import { buildRequest, type ReportBasis, requestIdFor, requestVersion } from './qbxml/qbxml-build';
import type { PlannedRequest, QbwcResponse, QbwcSessionInfo, QbwcWork, ResponseOutcome } from './work';

export interface QbwcWorkOptions {
  now?: () => Date;
  maxReportsPerSession?: number;
  /**
   * A session right after a complete one has nothing new to read; answering "none" keeps QuickBooks closed
   * (qbwc.md §14.2). 0 disables the pause.
   */
  minIntervalMs?: number;
}

/** The metrics a P&L response writes, all of them, zeros included. */
export function profitAndLossWrites(result: Interpretation): MetricWrite[] {
  if (result.kind !== 'profit_loss' || result.outcome === 'error') return [];
  // product_sales is read from its accounts here, so it stays `quickbooks` (the seed derived it, hence
  // `calculated` there); the totals and net_profit are computed from the other metrics.
  const computed: readonly string[] = calculatedMetrics;
  return profitAndLossMetrics.map((name) => ({
    name,
    value: result.values[name],
    unit: 'cents' as const,
    source: computed.includes(name) ? ('calculated' as const) : ('quickbooks' as const),
  }));
}

/**
 * A month whose metrics do not add up to QuickBooks' Net Income (with the unmapped and ignored accounts) is
 * stored anyway (the raw report is kept for reprocessing) but must not go unnoticed.
 */
export function warnIfUnreconciled(log: Logger, period: string, result: Interpretation): void {
  if (result.kind !== 'profit_loss' || result.outcome === 'error' || !result.reconciliation) return;
  const r = result.reconciliation;
  if (r.differenceCents === 0) return;
  log.warn(
    {
      period,
      differenceCents: r.differenceCents,
      qbNetIncomeCents: r.qbNetIncomeCents,
      computedNetProfitCents: r.computedNetProfitCents,
      unmappedNetCents: r.unmappedNetCents,
      ignoredNetCents: r.ignoredNetCents,
    },
    r.differenceCents === null
      ? 'qbwc P&L has no Net Income row; the metrics could not be checked against QuickBooks'
      : 'qbwc P&L metrics do not reconcile with QuickBooks Net Income',
  );
}

/** The dates a history row covers: the report month, or the day a headcount was taken (as the seed did). */
function rangeFor(step: PlanStep, at: Date): { from: string; to: string } {
  if (step.kind === 'profit_loss') return monthRange(step.period);
  const day = at.toISOString().slice(0, 10);
  return { from: day, to: day };
}

function stepLabel(step: PlanStep): string {
  return step.kind === 'profit_loss' ? `Profit & Loss for ${step.period}` : 'employee count';
}

/** What every step of a session's work reads and writes. */
interface WorkDeps {
  ctx: AppContext;
  history: HistoryStore;
  mappings: MappingStore;
  now: () => Date;
  minIntervalMs: number;
  maxReportsPerSession: number;
}

function recentlyCompleted(deps: WorkDeps, at: Date): boolean {
  if (deps.minIntervalMs <= 0) return false;
  const last = deps.history.list({ syncType: 'employees', limit: 1 })[0];
  if (!last || last.outcome === 'error') return false;
  return at.getTime() - Date.parse(last.createdAt) < deps.minIntervalMs;
}

function percentAfter(done: number, total: number): number {
  if (done >= total) return 100;
  return Math.min(99, Math.floor((done * 100) / total));
}

/** Plans the months to ask for and stores the plan; answers how many requests the session will make. */
function planWork({ ctx, ...deps }: WorkDeps, session: QbwcSessionInfo): number {
  const at = deps.now();
  const steps = planSession({
    today: at,
    startPeriod: ctx.config.QBWC_START_PERIOD,
    completed: deps.history.storedProfitLossPeriods(),
    maxReportsPerSession: deps.maxReportsPerSession,
  });
  const backlog = steps.length - 3; // beyond previous month, current month and the employee count
  const plan = backlog <= 0 && recentlyCompleted({ ctx, ...deps }, at) ? [] : steps;
  deps.history.saveWorkState(
    { sessionId: session.sessionId, plan, reportBasis: ctx.config.QBWC_REPORT_BASIS },
    at,
  );
  if (plan.length > 0) {
    ctx.log.info(
      { sessionId: session.sessionId, requests: plan.length, periods: plan.map((s) => s.period) },
      'qbwc session planned',
    );
  }
  return plan.length;
}

/** Stores one usable or unusable response, its metrics and the advanced cursor in one transaction. */
function consume(
  { ctx, history, mappings, now }: WorkDeps,
  session: QbwcSessionInfo,
  step: PlanStep,
  xml: string,
  basis: string,
): Interpretation {
  const at = now();
  const requestId = requestIdFor(step);
  const result =
    step.kind === 'profit_loss'
      ? interpretProfitAndLoss(xml, requestId, mappings.list(), basis)
      : interpretEmployees(xml, requestId);
  const range = rangeFor(step, at);
  ctx.db.transaction(() => {
    const writes: MetricWrite[] =
      result.kind === 'employees' && result.outcome !== 'error'
        ? [{ name: 'employees', value: result.count, unit: 'count', source: 'quickbooks' }]
        : profitAndLossWrites(result);
    const historyId = history.insert(
      {
        sessionId: session.sessionId,
        syncType: step.kind,
        period: step.period,
        periodStart: range.from,
        periodEnd: range.to,
        reportBasis: step.kind === 'profit_loss' ? basis : null,
        outcome: result.outcome,
        statusCode: result.status?.code ?? null,
        statusMessage: result.status?.message ?? null,
        errorMessage: result.outcome === 'error' ? result.error : null,
        rawResponse: xml,
        parsedData: result.parsedData,
        metricsUpdated: writes.length,
      },
      at,
    );
    if (writes.length > 0) history.writeMetrics(step.period, writes, historyId, at);
    const state = history.workState(session.sessionId)!;
    if (result.outcome === 'error') {
      history.updateWorkState(session.sessionId, { lastError: result.error }, at);
    } else {
      history.updateWorkState(session.sessionId, { cursor: state.cursor + 1, lastError: null }, at);
    }
  })();
  return result;
}

/** QuickBooks answered a request with an error HRESULT: kept in the history, the cursor stays. */
function recordRequestFailure(
  { ctx, history, now }: WorkDeps,
  session: QbwcSessionInfo,
  step: PlanStep,
  reportBasis: string,
  response: QbwcResponse,
): ResponseOutcome {
  const error = `QuickBooks could not answer the ${stepLabel(step)} request (${response.hresult.trim()}): ${response.message.trim() || 'no message'}`;
  const at = now();
  const range = rangeFor(step, at);
  ctx.db.transaction(() => {
    history.insert(
      {
        sessionId: session.sessionId,
        syncType: step.kind,
        period: step.period,
        periodStart: range.from,
        periodEnd: range.to,
        reportBasis: step.kind === 'profit_loss' ? reportBasis : null,
        outcome: 'error',
        statusCode: null,
        statusMessage: null,
        errorMessage: error,
        rawResponse: response.xml,
        parsedData: { hresult: response.hresult.trim(), message: response.message.trim() },
        metricsUpdated: 0,
      },
      at,
    );
    history.updateWorkState(session.sessionId, { lastError: error }, at);
  })();
  ctx.log.warn(
    { sessionId: session.sessionId, hresult: response.hresult.trim(), step },
    'qbwc request failed',
  );
  return { percent: -1, error };
}

function receiveResponse(deps: WorkDeps, session: QbwcSessionInfo, response: QbwcResponse): ResponseOutcome {
  const state = deps.history.workState(session.sessionId);
  if (!state) {
    return {
      percent: -1,
      error: 'No work was planned for this session; run the Web Connector update again.',
    };
  }
  const step = state.plan[state.cursor];
  if (!step) return { percent: 100 };
  if (response.hresult.trim() !== '') {
    return recordRequestFailure(deps, session, step, state.reportBasis, response);
  }
  const result = consume(deps, session, step, response.xml, state.reportBasis);
  warnIfUnreconciled(deps.ctx.log, step.period, result);
  if (result.outcome === 'error') {
    deps.ctx.log.warn(
      { sessionId: session.sessionId, step, error: result.error, detail: result.detail },
      'qbwc response not usable',
    );
    return { percent: -1, error: `${stepLabel(step)}: ${result.error}` };
  }
  return { percent: percentAfter(state.cursor + 1, state.plan.length) };
}

export function createQbwcWork(ctx: AppContext, options: QbwcWorkOptions = {}): QbwcWork {
  const deps: WorkDeps = {
    ctx,
    history: new HistoryStore(ctx.db),
    mappings: new MappingStore(ctx.db),
    now: options.now ?? (() => new Date()),
    minIntervalMs: options.minIntervalMs ?? ctx.config.QBWC_MIN_INTERVAL_MINUTES * 60_000,
    maxReportsPerSession: options.maxReportsPerSession ?? defaultMaxReportsPerSession,
  };
  return {
    plan: (session) => planWork(deps, session),
    nextRequest(session): PlannedRequest | null {
      const state = deps.history.workState(session.sessionId);
      const step = state?.plan[state.cursor];
      if (!state || !step) return null;
      const xml = buildRequest(step, state.reportBasis as ReportBasis, requestVersion(session.qbXmlVersion));
      return { xml, kind: step.kind, period: step.period };
    },
    receive: (session, response) => receiveResponse(deps, session, response),
    finish(session, outcome) {
      deps.history.updateWorkState(session.sessionId, { outcome }, deps.now());
    },
  };
}
