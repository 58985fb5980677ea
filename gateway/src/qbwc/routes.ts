/**
 * REST for the Web Connector data: status, account mappings, history, monthly metrics, reprocessing.
 * Everything sits behind `requireAuth` (the seed exposed unauthenticated debug endpoints with financial
 * data); every view and change goes to `qbr_audit_log`.
 */
import type { Context, Hono } from 'hono';
import { successEnvelope } from '../../../shared/src/envelope';
import type { AppContext } from '../app/context';
import { requireAuth } from '../auth/middleware';
import type { AppEnv } from '../server/env';
import { badRequest, conflict, notFound } from '../server/errors';
import type { RouteModule } from '../server/route-module';
import { asObject, readLimit, readMappingBody, readPeriodQuery, readReprocessBody } from './api-input';
import { type QbrAuditEntry, recordQbrAudit } from './audit/audit';
import { type HistoryRow, HistoryStore } from './metrics/history-store';
import { DuplicateMappingError, MappingStore, type StoredMapping } from './metrics/mapping-store';
import { MappingValidationError } from './metrics/mappings';
import { NothingToReprocessError, reprocess } from './metrics/reprocess';
import { SessionStore } from './sessions/session-store';
import { sessionAsOf } from './sessions/sessions';

type C = Context<AppEnv>;

function audit(c: C, entry: Omit<QbrAuditEntry, 'actor' | 'ipAddress' | 'userAgent'>): void {
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  recordQbrAudit(c.get('ctx').db, {
    ...entry,
    actor: c.get('principal')?.name ?? 'anonymous',
    ipAddress: forwarded || undefined,
    userAgent: c.req.header('user-agent'),
  });
}

async function jsonBody(c: C): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest('The body must be JSON with Content-Type: application/json');
  }
  return asObject(body);
}

function mappingJson(m: StoredMapping) {
  return {
    id: m.id,
    qbr_metric_key: m.metricKey,
    qb_account_pattern: m.pattern,
    match_type: m.matchType,
    priority: m.priority,
    is_active: m.isActive,
    notes: m.notes,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

function mappingId(c: C): number {
  const id = c.req.param('id') ?? '';
  if (!/^\d{1,12}$/.test(id)) throw badRequest('The mapping id in the path must be a whole number');
  return Number(id);
}

/** Store-level mapping errors → 400/409 with the sentence that says what to change. */
function mappingWrite<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof MappingValidationError) throw badRequest(error.message, { field: error.field });
    if (error instanceof DuplicateMappingError) throw conflict(error.message, { id: error.existingId });
    throw error;
  }
}

/** Account names of a stored P&L's unmapped list (the history keeps the first 200 with their amounts). */
function unmappedNames(h: { parsedData: Record<string, unknown> }): string[] {
  const list = h.parsedData.unmapped;
  if (!Array.isArray(list)) return [];
  return list.flatMap((u) =>
    typeof u === 'object' && u !== null && typeof (u as { account?: unknown }).account === 'string'
      ? [(u as { account: string }).account]
      : [],
  );
}

/** The status view: last and active sessions, recent sessions, and what is still unmapped per month. */
function statusJson(db: AppContext['db']) {
  const now = new Date();
  const sessions = new SessionStore(db).recent(10).map((row) => sessionAsOf(row, now));
  const history = new HistoryStore(db);
  const last = sessions.find((s) => s.status !== 'active');
  const active = sessions.find((s) => s.status === 'active');
  const latest = history.latestProfitLoss();
  return {
    last_sync: last
      ? {
          completed_at: last.completedAt,
          queries_completed: last.queriesCompleted,
          status: last.status,
          error_message: last.lastError,
        }
      : null,
    active_sync: active
      ? {
          session_id: active.id,
          started_at: active.createdAt,
          progress: active.lastPercent ?? 0,
          current_query_type: active.currentQueryType,
          current_period: active.currentPeriod,
        }
      : null,
    recent_syncs: sessions.map((s) => ({
      id: s.id,
      status: s.status,
      created_at: s.createdAt,
      completed_at: s.completedAt,
      queries_total: s.queriesTotal,
      queries_completed: s.queriesCompleted,
      error_message: s.lastError,
    })),
    // every account no mapping takes in the periods below: what to map next
    unmapped_accounts: [...new Set(latest.flatMap(unmappedNames))].sort(),
    periods: latest.map((h) => ({
      period: h.period,
      synced_at: h.createdAt,
      outcome: h.outcome,
      unmapped_count: h.parsedData.unmapped_count ?? 0,
      unmapped_accounts: unmappedNames(h),
      net_income_matches: h.parsedData.net_income_matches ?? null,
      reconciliation: h.parsedData.reconciliation ?? null,
    })),
  };
}

function historyJson(r: HistoryRow) {
  return {
    id: r.id,
    session_id: r.sessionId,
    sync_type: r.syncType,
    period: r.period,
    period_start: r.periodStart,
    period_end: r.periodEnd,
    report_basis: r.reportBasis,
    outcome: r.outcome,
    status_code: r.statusCode,
    status_message: r.statusMessage,
    error_message: r.errorMessage,
    raw_chars: r.rawChars,
    parsed_data: r.parsedData,
    metrics_updated: r.metricsUpdated,
    created_at: r.createdAt,
  };
}

/** List, create, change and delete the account-to-metric mappings. */
function registerMappingRoutes(app: Hono<AppEnv>): void {
  app.get('/api/qbwc/mappings', (c) => {
    const list = new MappingStore(c.get('ctx').db).list();
    audit(c, { action: 'qbwc_mappings_view', outcome: 'success', resource: 'mappings' });
    return c.json(successEnvelope(list.map(mappingJson)));
  });

  app.post('/api/qbwc/mappings', async (c) => {
    const input = readMappingBody(await jsonBody(c), false);
    const created = mappingWrite(() => new MappingStore(c.get('ctx').db).create(input));
    audit(c, {
      action: 'qbwc_mapping_create',
      outcome: 'success',
      resource: String(created.id),
      details: { mapping_id: created.id, metric_key: created.metricKey, pattern: created.pattern },
    });
    return c.json(successEnvelope(mappingJson(created), 'mapping created'), 201);
  });

  app.put('/api/qbwc/mappings/:id', async (c) => {
    const id = mappingId(c);
    const patch = readMappingBody(await jsonBody(c), true);
    const store = new MappingStore(c.get('ctx').db);
    const before = store.get(id);
    const updated = mappingWrite(() => store.update(id, patch));
    if (!updated || !before) throw notFound(`No mapping ${id}; list them with GET /api/qbwc/mappings`);
    audit(c, {
      action: 'qbwc_mapping_update',
      outcome: 'success',
      resource: String(id),
      details: { mapping_id: id, metric_key: updated.metricKey, before: mappingJson(before), changes: patch },
    });
    return c.json(successEnvelope(mappingJson(updated), 'mapping updated'));
  });

  app.delete('/api/qbwc/mappings/:id', (c) => {
    const id = mappingId(c);
    const store = new MappingStore(c.get('ctx').db);
    const existing = store.get(id);
    if (!existing || !store.delete(id))
      throw notFound(`No mapping ${id}; list them with GET /api/qbwc/mappings`);
    audit(c, {
      action: 'qbwc_mapping_delete',
      outcome: 'success',
      resource: String(id),
      details: { mapping_id: id, metric_key: existing.metricKey, pattern: existing.pattern },
    });
    return c.json(successEnvelope({ id }, 'mapping deleted'));
  });
}

function register(app: Hono<AppEnv>): void {
  app.use('/api/qbwc/status', requireAuth);
  app.use('/api/qbwc/mappings', requireAuth);
  app.use('/api/qbwc/mappings/*', requireAuth);
  app.use('/api/qbwc/history', requireAuth);
  app.use('/api/qbwc/metrics', requireAuth);
  app.use('/api/qbwc/reprocess', requireAuth);

  app.get('/api/qbwc/status', (c) => {
    const json = statusJson(c.get('ctx').db);
    audit(c, { action: 'qbwc_status_view', outcome: 'success', resource: 'status' });
    return c.json(successEnvelope(json));
  });

  registerMappingRoutes(app);

  app.get('/api/qbwc/history', (c) => {
    const limit = readLimit(c.req.query('limit'), 50, 500);
    const period = readPeriodQuery('period', c.req.query('period'));
    const syncType = c.req.query('sync_type');
    if (syncType !== undefined && syncType !== 'profit_loss' && syncType !== 'employees') {
      throw badRequest('sync_type must be profit_loss or employees');
    }
    const rows = new HistoryStore(c.get('ctx').db).list({ limit, period, syncType });
    audit(c, { action: 'qbwc_history_view', outcome: 'success', resource: 'history' });
    return c.json(successEnvelope(rows.map(historyJson)));
  });

  app.get('/api/qbwc/metrics', (c) => {
    const from = readPeriodQuery('from', c.req.query('from')) ?? '0000-01';
    const to = readPeriodQuery('to', c.req.query('to')) ?? '9999-12';
    if (from > to) throw badRequest(`from (${from}) must not be after to (${to})`);
    const rows = new HistoryStore(c.get('ctx').db).metrics(from, to);
    audit(c, { action: 'qbwc_metrics_view', outcome: 'success', resource: `${from}..${to}` });
    return c.json(
      successEnvelope(
        rows.map((r) => ({
          period: r.period,
          metric_name: r.metric_name,
          metric_value: r.metric_value,
          data_source: r.data_source,
        })),
      ),
    );
  });

  app.post('/api/qbwc/reprocess', async (c) => {
    const scope = readReprocessBody(await jsonBody(c));
    const ctx = c.get('ctx');
    let summary: ReturnType<typeof reprocess>;
    try {
      summary = reprocess(ctx, scope);
    } catch (error) {
      if (error instanceof NothingToReprocessError) throw notFound(error.message);
      throw error;
    }
    audit(c, {
      action: 'qbwc_reprocess',
      outcome: summary.failed === 0 ? 'success' : 'failure',
      resource: summary.scope,
      details: { reprocessed: summary.reprocessed, failed: summary.failed },
    });
    const message =
      summary.failed === 0
        ? `${summary.reprocessed} month(s) recomputed`
        : `${summary.reprocessed} month(s) recomputed, ${summary.failed} failed`;
    return c.json(successEnvelope(summary, message));
  });
}

export const qbwcApiRoutes: RouteModule = { name: 'qbwc-api', register };
