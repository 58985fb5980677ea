/**
 * SQL for `qbwc_sync_history` (every response, raw text kept whole and gzip-compressed), `qbr_metrics_monthly`
 * and `qbwc_work_state` (each session's plan and cursor, so a gateway restart mid-session continues).
 */
import zlib from 'node:zlib';
import { formatCents } from '../../../../shared/src/money';
import type { Db } from '../../store/database';
import type { StatusClass } from '../qbxml/qbxml-parse';
import { QbwcSessionJobs } from '../sessions/session-jobs';
import { type MetricName, optionalMetrics } from './metrics';
import type { PlanStep } from './plan';

export type SyncType = PlanStep['kind'];

export interface HistoryInput {
  sessionId: number | null;
  syncType: SyncType;
  period: string;
  periodStart: string;
  periodEnd: string;
  reportBasis: string | null;
  outcome: StatusClass;
  statusCode: number | null;
  statusMessage: string | null;
  errorMessage: string | null;
  rawResponse: string;
  parsedData: Record<string, unknown>;
  metricsUpdated: number;
}

export interface HistoryRow {
  id: number;
  sessionId: number | null;
  syncType: SyncType;
  period: string;
  periodStart: string;
  periodEnd: string;
  reportBasis: string | null;
  outcome: StatusClass;
  statusCode: number | null;
  statusMessage: string | null;
  errorMessage: string | null;
  rawChars: number;
  parsedData: Record<string, unknown>;
  metricsUpdated: number;
  createdAt: string;
}

const historyColumns = `id, session_id AS sessionId, sync_type AS syncType, period, period_start AS periodStart,
  period_end AS periodEnd, report_basis AS reportBasis, outcome, status_code AS statusCode,
  status_message AS statusMessage, error_message AS errorMessage, raw_chars AS rawChars,
  parsed_data AS parsedData, metrics_updated AS metricsUpdated, created_at AS createdAt`;

function fromHistoryRow(row: Omit<HistoryRow, 'parsedData'> & { parsedData: string }): HistoryRow {
  return { ...row, parsedData: JSON.parse(row.parsedData) as Record<string, unknown> };
}

export interface MetricRow {
  period: string;
  metric_name: string;
  metric_value: string;
  data_source: string;
  updated_at: string;
}

/**
 * `quickbooks`: a value read from QuickBooks (an account sum, the headcount). `calculated`: a value qb-bridge
 * computes from other metrics (total_revenue, total_expenses, net_profit), as the seed marked them; the
 * seed's dashboard picks per metric the best source, calculated > quickbooks > collected > manual.
 */
export type MetricSource = 'quickbooks' | 'calculated';
export const metricSources: readonly MetricSource[] = ['quickbooks', 'calculated'];

export interface MetricWrite {
  name: MetricName;
  value: number;
  unit: 'cents' | 'count';
  source: MetricSource;
}

export interface WorkState {
  sessionId: number;
  plan: PlanStep[];
  reportBasis: string;
  cursor: number;
  lastError: string | null;
  outcome: string | null;
}

export class HistoryStore {
  /** The session's job row follows its work state (session-jobs.ts). */
  private readonly sessionJobs: QbwcSessionJobs;

  constructor(private readonly db: Db) {
    this.sessionJobs = new QbwcSessionJobs(db);
  }

  insert(entry: HistoryInput, now = new Date()): number {
    const raw = zlib.gzipSync(Buffer.from(entry.rawResponse, 'utf8'));
    const result = this.db
      .prepare(
        `INSERT INTO qbwc_sync_history (session_id, sync_type, period, period_start, period_end, report_basis,
           outcome, status_code, status_message, error_message, raw_response, raw_chars, parsed_data,
           metrics_updated, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.sessionId,
        entry.syncType,
        entry.period,
        entry.periodStart,
        entry.periodEnd,
        entry.reportBasis,
        entry.outcome,
        entry.statusCode,
        entry.statusMessage,
        entry.errorMessage,
        raw,
        entry.rawResponse.length,
        JSON.stringify(entry.parsedData),
        entry.metricsUpdated,
        now.toISOString(),
      );
    return Number(result.lastInsertRowid);
  }

  update(id: number, patch: { parsedData?: Record<string, unknown>; metricsUpdated?: number }): void {
    this.db
      .prepare(
        `UPDATE qbwc_sync_history SET parsed_data = COALESCE(?, parsed_data),
           metrics_updated = COALESCE(?, metrics_updated) WHERE id = ?`,
      )
      .run(patch.parsedData ? JSON.stringify(patch.parsedData) : null, patch.metricsUpdated ?? null, id);
  }

  get(id: number): HistoryRow | undefined {
    const row = this.db.prepare(`SELECT ${historyColumns} FROM qbwc_sync_history WHERE id = ?`).get(id) as
      | (Omit<HistoryRow, 'parsedData'> & { parsedData: string })
      | undefined;
    return row && fromHistoryRow(row);
  }

  rawResponse(id: number): string | undefined {
    const blob = this.db.prepare('SELECT raw_response FROM qbwc_sync_history WHERE id = ?').pluck().get(id);
    return Buffer.isBuffer(blob) ? zlib.gunzipSync(blob).toString('utf8') : undefined;
  }

  list(options: { limit?: number; syncType?: SyncType; period?: string } = {}): HistoryRow[] {
    const rows = this.db
      .prepare(
        `SELECT ${historyColumns} FROM qbwc_sync_history
         WHERE (@syncType IS NULL OR sync_type = @syncType) AND (@period IS NULL OR period = @period)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({
        syncType: options.syncType ?? null,
        period: options.period ?? null,
        limit: options.limit ?? 50,
      }) as Array<Omit<HistoryRow, 'parsedData'> & { parsedData: string }>;
    return rows.map(fromHistoryRow);
  }

  /** The newest readable P&L response of each month (what reprocessing recomputes from). */
  latestProfitLoss(period?: string): HistoryRow[] {
    const rows = this.db
      .prepare(
        `SELECT ${historyColumns} FROM qbwc_sync_history h
         WHERE sync_type = 'profit_loss' AND outcome <> 'error' AND (@period IS NULL OR period = @period)
           AND id = (SELECT MAX(id) FROM qbwc_sync_history x
                     WHERE x.sync_type = 'profit_loss' AND x.outcome <> 'error' AND x.period = h.period)
         ORDER BY period`,
      )
      .all({ period: period ?? null }) as Array<Omit<HistoryRow, 'parsedData'> & { parsedData: string }>;
    return rows.map(fromHistoryRow);
  }

  /** Months with a readable P&L on file. */
  storedProfitLossPeriods(): Set<string> {
    const periods = this.db
      .prepare(
        `SELECT DISTINCT period FROM qbwc_sync_history WHERE sync_type = 'profit_loss' AND outcome <> 'error'`,
      )
      .pluck()
      .all() as string[];
    return new Set(periods);
  }

  /**
   * Writes every given metric for the month, zeros included (bar the optional metrics, whose zero removes
   * the row), replacing what was there, including a row of
   * the same metric this integration wrote under its other source (earlier versions stored the computed
   * metrics as `quickbooks`), so each metric has one row per month from here.
   */
  writeMetrics(
    period: string,
    metrics: readonly MetricWrite[],
    historyId: number | null,
    now = new Date(),
  ): number {
    const stamp = now.toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO qbr_metrics_monthly
         (period, metric_name, metric_value, value_int, unit, data_source, history_id, notes, created_at, updated_at)
       VALUES (@period, @name, @text, @value, @unit, @source, @historyId, @notes, @now, @now)
       ON CONFLICT (period, metric_name, data_source) DO UPDATE SET
         metric_value = excluded.metric_value, value_int = excluded.value_int, unit = excluded.unit,
         history_id = excluded.history_id, notes = excluded.notes, updated_at = excluded.updated_at`,
    );
    const dropOtherSource = this.db.prepare(
      `DELETE FROM qbr_metrics_monthly WHERE period = ? AND metric_name = ? AND data_source = ?`,
    );
    this.db.transaction(() => {
      for (const m of metrics) {
        for (const other of metricSources) if (other !== m.source) dropOtherSource.run(period, m.name, other);
        // An optional metric at zero is an absence (no uncategorized expenses left): drop, do not store.
        if (m.value === 0 && optionalMetrics.includes(m.name)) {
          dropOtherSource.run(period, m.name, m.source);
          continue;
        }
        upsert.run({
          period,
          name: m.name,
          text: m.unit === 'cents' ? formatCents(m.value) : String(m.value),
          value: m.value,
          unit: m.unit,
          source: m.source,
          historyId,
          notes:
            m.source === 'calculated'
              ? 'Calculated from QuickBooks Web Connector data'
              : 'Synced via QuickBooks Web Connector',
          now: stamp,
        });
      }
    })();
    return metrics.length;
  }

  metrics(from: string, to: string): MetricRow[] {
    return this.db
      .prepare(
        `SELECT period, metric_name, metric_value, data_source, updated_at FROM qbr_metrics_monthly
         WHERE period BETWEEN ? AND ? ORDER BY period, metric_name`,
      )
      .all(from, to) as MetricRow[];
  }

  saveWorkState(state: Omit<WorkState, 'cursor' | 'lastError' | 'outcome'>, now = new Date()): void {
    const stamp = now.toISOString();
    this.db
      .prepare(
        `INSERT INTO qbwc_work_state (session_id, plan, report_basis, cursor, created_at, updated_at)
         VALUES (?, ?, ?, 0, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET plan = excluded.plan, report_basis = excluded.report_basis,
           cursor = 0, last_error = NULL, outcome = NULL, updated_at = excluded.updated_at`,
      )
      .run(state.sessionId, JSON.stringify(state.plan), state.reportBasis, stamp, stamp);
    this.sessionJobs.planned(state.sessionId, state.plan.length);
  }

  workState(sessionId: number): WorkState | undefined {
    const row = this.db.prepare('SELECT * FROM qbwc_work_state WHERE session_id = ?').get(sessionId) as
      | {
          session_id: number;
          plan: string;
          report_basis: string;
          cursor: number;
          last_error: string | null;
          outcome: string | null;
        }
      | undefined;
    if (!row) return undefined;
    return {
      sessionId: row.session_id,
      plan: JSON.parse(row.plan) as PlanStep[],
      reportBasis: row.report_basis,
      cursor: row.cursor,
      lastError: row.last_error,
      outcome: row.outcome,
    };
  }

  updateWorkState(
    sessionId: number,
    patch: { cursor?: number; lastError?: string | null; outcome?: string },
    now = new Date(),
  ): void {
    this.db
      .prepare(
        `UPDATE qbwc_work_state SET cursor = COALESCE(@cursor, cursor),
           last_error = CASE WHEN @setError = 1 THEN @lastError ELSE last_error END,
           outcome = COALESCE(@outcome, outcome), updated_at = @now WHERE session_id = @sessionId`,
      )
      .run({
        sessionId,
        cursor: patch.cursor ?? null,
        setError: patch.lastError === undefined ? 0 : 1,
        lastError: patch.lastError ?? null,
        outcome: patch.outcome ?? null,
        now: now.toISOString(),
      });
    if (patch.outcome !== undefined) this.sessionJobs.finished(sessionId, patch.outcome);
    else this.sessionJobs.progressed(sessionId, this.workState(sessionId)?.cursor ?? 0);
  }
}
