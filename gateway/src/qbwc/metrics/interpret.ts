/**
 * One stored or just-received qbXML response → what it means for the metrics. Pure, and shared by the live
 * session (`service.ts`) and reprocessing (`reprocess.ts`), so a mapping change recomputes exactly what a
 * fresh sync would. Never throws: a response that cannot be read becomes an `error` outcome with a sentence,
 * never an empty success (the seed recorded parse failures as successful syncs).
 */
import { formatCents } from '../../../../shared/src/money';
import {
  classifyStatus,
  parseEmployeeResponse,
  parseReportResponse,
  type QbStatus,
  QbXmlParseError,
  type StatusClass,
} from '../qbxml/qbxml-parse';
import { countActiveEmployees } from './employees';
import type { Mapping } from './mappings';
import {
  computeMonthMetrics,
  emptyMetricValues,
  type MetricValues,
  profitAndLossMetrics,
  type Reconciliation,
  reconcile,
} from './metrics';
import { readProfitAndLoss } from './pnl';

/** How many unmapped accounts a history row lists; the count is always complete. */
export const maxUnmappedListed = 200;

export type Interpretation =
  | {
      kind: 'profit_loss';
      outcome: Exclude<StatusClass, 'error'>;
      status: QbStatus;
      values: MetricValues;
      /** Null when QuickBooks answered "no data" (no report, so nothing to reconcile). */
      reconciliation: Reconciliation | null;
      parsedData: Record<string, unknown>;
    }
  | {
      kind: 'employees';
      outcome: Exclude<StatusClass, 'error'>;
      status: QbStatus;
      count: number;
      parsedData: Record<string, unknown>;
    }
  | {
      kind: 'profit_loss' | 'employees';
      outcome: 'error';
      status: QbStatus | null;
      /** A sentence for the user (getLastError, history). */
      error: string;
      /** The parser's own complaint, for the log only. */
      detail?: string;
      parsedData: Record<string, unknown>;
    };

function failure(
  kind: 'profit_loss' | 'employees',
  status: QbStatus | null,
  error: string,
  detail?: string,
): Interpretation {
  return { kind, outcome: 'error', status, error, ...(detail ? { detail } : {}), parsedData: { error } };
}

function statusError(what: string, status: QbStatus): string {
  return `QuickBooks refused the ${what} request with status ${status.code}: ${status.message || '(no message)'}`;
}

function describe(error: unknown): { error: string; detail?: string } {
  if (error instanceof QbXmlParseError) return { error: error.message, detail: error.detail };
  return {
    error: 'The response could not be read',
    detail: error instanceof Error ? error.message : String(error),
  };
}

export function interpretProfitAndLoss(
  xml: string,
  requestId: string | undefined,
  mappings: readonly Mapping[],
  requestedBasis?: string,
): Interpretation {
  let status: QbStatus | null = null;
  try {
    const response = parseReportResponse(xml, requestId);
    status = response.status;
    const outcome = classifyStatus(status);
    if (outcome === 'error') return failure('profit_loss', status, statusError('Profit & Loss', status));
    if (!response.report) {
      if (outcome !== 'empty') {
        return failure('profit_loss', status, `QuickBooks answered status ${status.code} without a report`);
      }
      const values = emptyMetricValues();
      return {
        kind: 'profit_loss',
        outcome,
        status,
        values,
        reconciliation: null,
        parsedData: { accounts: 0, metrics: decimalMetrics(values), unmapped: [], unmapped_count: 0 },
      };
    }
    const pnl = readProfitAndLoss(response.report);
    const month = computeMonthMetrics(pnl.accounts, mappings);
    const reconciliation = reconcile(month, pnl.reportedNetIncomeCents);
    const parsedData: Record<string, unknown> = {
      accounts: pnl.accounts.length,
      subtotals: pnl.totals.length,
      report_basis: pnl.basis,
      net_income_reported:
        pnl.reportedNetIncomeCents === null ? null : formatCents(pnl.reportedNetIncomeCents),
      net_income_computed: formatCents(pnl.computedNetIncomeCents),
      // the report's own check (its leaves add up to its Net Income row)
      leaves_match_net_income: pnl.netIncomeMatches,
      // whether the metrics, with the unmapped and ignored accounts, account for every cent of Net Income
      net_income_matches:
        reconciliation.differenceCents === null ? null : reconciliation.differenceCents === 0,
      reconciliation: reconciliationJson(reconciliation),
      metrics: decimalMetrics(month.values),
      unmapped_count: month.unmapped.length,
      unmapped: month.unmapped.slice(0, maxUnmappedListed).map((u) => ({
        account: u.path,
        kind: u.kind,
        amount: formatCents(u.amountCents),
        reason: u.reason,
      })),
    };
    if (requestedBasis && pnl.basis && pnl.basis !== requestedBasis) {
      parsedData.basis_mismatch = `asked for ${requestedBasis}, QuickBooks answered ${pnl.basis}`;
    }
    if (outcome === 'warning') parsedData.warning = status.message;
    return { kind: 'profit_loss', outcome, status, values: month.values, reconciliation, parsedData };
  } catch (error) {
    const why = describe(error);
    return failure('profit_loss', status, why.error, why.detail);
  }
}

export function interpretEmployees(xml: string, requestId: string | undefined): Interpretation {
  let status: QbStatus | null = null;
  try {
    const response = parseEmployeeResponse(xml, requestId);
    status = response.status;
    const counted = countActiveEmployees(response);
    if (counted.status === 'error') return failure('employees', status, statusError('employee', status));
    const parsedData: Record<string, unknown> = { employee_count: counted.count };
    if (counted.status === 'warning') parsedData.warning = status.message;
    return { kind: 'employees', outcome: counted.status, status, count: counted.count, parsedData };
  } catch (error) {
    const why = describe(error);
    return failure('employees', status, why.error, why.detail);
  }
}

export function decimalMetrics(values: MetricValues): Record<string, string> {
  return Object.fromEntries(profitAndLossMetrics.map((m) => [m, formatCents(values[m])]));
}

export function reconciliationJson(r: Reconciliation): Record<string, unknown> {
  return {
    qb_net_income: r.qbNetIncomeCents === null ? null : formatCents(r.qbNetIncomeCents),
    computed_net_profit: formatCents(r.computedNetProfitCents),
    unmapped_net: formatCents(r.unmappedNetCents),
    ignored_net: formatCents(r.ignoredNetCents),
    uncategorized_net: formatCents(r.uncategorizedNetCents),
    difference_cents: r.differenceCents,
  };
}
