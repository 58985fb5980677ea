import type { Db } from '../store/database';
import { isIsoDate } from './forms';

/**
 * The Audit log page's read-only query over both trails: the gateway's `audit_log` (logins, tokens, QuickBooks
 * connection, dashboard actions) and the Web Connector's `qbr_audit_log` (its logins, mapping changes, views).
 */
export interface AuditFilter {
  actor?: string;
  action?: string;
  outcome?: 'success' | 'failure' | 'denied';
  /** Inclusive ISO dates (UTC). */
  from?: string;
  to?: string;
}

export interface AuditListRow {
  source: 'gateway' | 'web connector';
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  details: string;
}

export const auditOutcomes = ['success', 'failure', 'denied'] as const;

export type FilterErrors = Partial<Record<keyof AuditFilter, string>>;

/** Reads the filter form; what cannot be used is reported next to its field instead of being ignored. */
export function readAuditFilter(query: Record<string, string | undefined>): {
  filter: AuditFilter;
  errors: FilterErrors;
} {
  const filter: AuditFilter = {};
  const errors: FilterErrors = {};
  const actor = query.actor?.trim();
  if (actor) filter.actor = actor.slice(0, 200);
  const action = query.action?.trim();
  if (action) filter.action = action.slice(0, 200);
  const outcome = query.outcome?.trim();
  if (outcome) {
    if ((auditOutcomes as readonly string[]).includes(outcome))
      filter.outcome = outcome as AuditFilter['outcome'];
    else errors.outcome = 'Pick success, failure or denied';
  }
  for (const key of ['from', 'to'] as const) {
    const value = query[key]?.trim();
    if (!value) continue;
    if (isIsoDate(value)) filter[key] = value;
    else errors[key] = 'Use a date like 2026-12-31';
  }
  if (filter.from && filter.to && filter.from > filter.to)
    errors.to = 'The end date is before the start date';
  return { filter, errors };
}

const union = `
  SELECT 'gateway' AS source, id, at, actor, action, target, outcome, details FROM audit_log
  UNION ALL
  SELECT 'web connector' AS source, id, timestamp AS at, actor, action, resource AS target, outcome, details
  FROM qbr_audit_log`;

const where = `
  WHERE (@actor IS NULL OR instr(lower(actor), lower(@actor)) > 0)
    AND (@action IS NULL OR instr(lower(action), lower(@action)) > 0)
    AND (@outcome IS NULL OR outcome = @outcome)
    AND (@from IS NULL OR at >= @from)
    AND (@to IS NULL OR at < @to)`;

function params(filter: AuditFilter) {
  const nextDay = (d: string) =>
    new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return {
    actor: filter.actor ?? null,
    action: filter.action ?? null,
    outcome: filter.outcome ?? null,
    from: filter.from ?? null,
    to: filter.to ? nextDay(filter.to) : null,
  };
}

export function countAudit(db: Db, filter: AuditFilter): number {
  return Number(db.prepare(`SELECT COUNT(*) FROM (${union}) ${where}`).pluck().get(params(filter)));
}

export function listAudit(db: Db, filter: AuditFilter, limit: number, offset: number): AuditListRow[] {
  return db
    .prepare(`SELECT * FROM (${union}) ${where} ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset`)
    .all({ ...params(filter), limit, offset }) as AuditListRow[];
}

export function auditActions(db: Db): string[] {
  return db
    .prepare(`SELECT DISTINCT action FROM (${union}) ORDER BY action LIMIT 500`)
    .pluck()
    .all() as string[];
}
