/**
 * Recomputes monthly metrics from the stored raw P&L responses with the current mappings, so a mapping
 * change never needs QuickBooks again. Uses the newest readable response of each month.
 */
import type { AppContext } from '../../app/context';
import { profitAndLossRequestId } from '../qbxml/qbxml-build';
import { profitAndLossWrites, warnIfUnreconciled } from '../service';
import { HistoryStore } from './history-store';
import { interpretProfitAndLoss } from './interpret';
import { MappingStore } from './mapping-store';

export type ReprocessScope = { period: string } | { all: true };

export interface ReprocessedPeriod {
  period: string;
  historyId: number;
  outcome: 'reprocessed' | 'failed';
  metrics?: Record<string, string>;
  unmappedCount?: number;
  /** metrics + unmapped + ignored − QuickBooks' Net Income; 0 when the month reconciles. */
  reconciliationDifferenceCents?: number | null;
  error?: string;
}

export interface ReprocessSummary {
  scope: string;
  periods: ReprocessedPeriod[];
  reprocessed: number;
  failed: number;
}

/** No stored response for the asked month: the user must let the Web Connector fetch it first. */
export class NothingToReprocessError extends Error {
  constructor(scope: ReprocessScope) {
    super(
      'period' in scope
        ? `No stored Profit & Loss response for ${scope.period}; run the Web Connector update for that month first`
        : 'No stored Profit & Loss responses yet; run the Web Connector update first',
    );
    this.name = 'NothingToReprocessError';
  }
}

export function reprocess(ctx: AppContext, scope: ReprocessScope, now = new Date()): ReprocessSummary {
  const history = new HistoryStore(ctx.db);
  const mappings = new MappingStore(ctx.db).list();
  const rows = history.latestProfitLoss('period' in scope ? scope.period : undefined);
  if (rows.length === 0) throw new NothingToReprocessError(scope);
  const periods: ReprocessedPeriod[] = [];
  for (const row of rows) {
    let raw: string;
    try {
      raw = history.rawResponse(row.id) ?? '';
    } catch (error) {
      // One damaged row (disk, a bad restore) must not stop the other months: report it and go on.
      const reason = error instanceof Error ? error.message : String(error);
      periods.push({
        period: row.period,
        historyId: row.id,
        outcome: 'failed',
        error: `the stored response (history id ${row.id}) cannot be read (${reason}); let the Web Connector fetch ${row.period} again`,
      });
      continue;
    }
    const result = interpretProfitAndLoss(
      raw,
      profitAndLossRequestId(row.period),
      mappings,
      row.reportBasis ?? undefined,
    );
    if (result.kind !== 'profit_loss' || result.outcome === 'error') {
      periods.push({
        period: row.period,
        historyId: row.id,
        outcome: 'failed',
        error: result.outcome === 'error' ? result.error : 'not a Profit & Loss response',
      });
      continue;
    }
    warnIfUnreconciled(ctx.log, row.period, result);
    const writes = profitAndLossWrites(result);
    ctx.db.transaction(() => {
      history.writeMetrics(row.period, writes, row.id, now);
      history.update(row.id, {
        parsedData: { ...result.parsedData, reprocessed_at: now.toISOString() },
        metricsUpdated: writes.length,
      });
    })();
    periods.push({
      period: row.period,
      historyId: row.id,
      outcome: 'reprocessed',
      metrics: result.parsedData.metrics as Record<string, string>,
      unmappedCount: Number(result.parsedData.unmapped_count ?? 0),
      reconciliationDifferenceCents: result.reconciliation?.differenceCents ?? null,
    });
  }
  const failed = periods.filter((p) => p.outcome === 'failed').length;
  return {
    scope: 'period' in scope ? scope.period : 'all',
    periods,
    reprocessed: periods.length - failed,
    failed,
  };
}
