import { isSecretKey } from '../../log/redact';
import type { Db } from '../../store/database';

/**
 * The Web Connector side's own audit trail, `qbr_audit_log` (the seed's table, which its operators query
 * after every sync). Shared by the SOAP shell (authenticate attempts, connectionError, closeConnection) and
 * the REST side (status/mappings/history views and changes), so both write rows of one shape.
 *
 * Table created by the `qbwc.sessions` migration in `session-store.ts`.
 */
export type QbrAuditOutcome = 'success' | 'failure' | 'denied';

export interface QbrAuditEntry {
  /** Who: the Web Connector user name, an API token/user name, or 'anonymous'. Never a password. */
  actor: string;
  /** e.g. `qbwc_auth`, `qbwc_sync`, `qbwc_connection_error`, `qbwc_status_view`, `qbwc_mapping_update`. */
  action: string;
  outcome: QbrAuditOutcome;
  /** What was acted on: a session id, a mapping id, a route. */
  resource?: string;
  /** Short machine-readable reason for a failure or denial, e.g. `invalid_password`, `locked_out`. */
  failureReason?: string;
  details?: Record<string, unknown>;
  ipAddress?: string;
  userAgent?: string;
}

export interface QbrAuditRow {
  id: number;
  timestamp: string;
  actor: string;
  action: string;
  outcome: QbrAuditOutcome;
  resource: string | null;
  failureReason: string | null;
  details: Record<string, unknown>;
  ipAddress: string | null;
  userAgent: string | null;
}

const maxFieldChars = 500;

function clip(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  return value.length > maxFieldChars ? `${value.slice(0, maxFieldChars)}…` : value;
}

/** A caller's mistake must not put a credential into a table people read: secret-looking keys are dropped. */
function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (isSecretKey(key)) continue;
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value)
        ? withoutSecrets(value as Record<string, unknown>)
        : value;
  }
  return out;
}

export function recordQbrAudit(db: Db, entry: QbrAuditEntry, now: Date = new Date()): void {
  db.prepare(
    `INSERT INTO qbr_audit_log
       (timestamp, actor, action, outcome, resource, failure_reason, details, ip_address, user_agent)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    now.toISOString(),
    clip(entry.actor) ?? 'unknown',
    entry.action,
    entry.outcome,
    clip(entry.resource),
    clip(entry.failureReason),
    JSON.stringify(withoutSecrets(entry.details ?? {})),
    clip(entry.ipAddress),
    clip(entry.userAgent),
  );
}

interface RawRow extends Omit<QbrAuditRow, 'details'> {
  details: string;
}

export interface QbrAuditFilter {
  action?: string;
  /** Only rows whose outcome is not `success` (failed logins, refused requests, failed sessions). */
  failuresOnly?: boolean;
  limit?: number;
}

/** Newest first; optionally one action only, or failures only. */
/** Every action the Web Connector side records, so a mistyped `--action` is refused rather than empty. */
export const qbrAuditActions = [
  'qbwc_auth',
  'qbwc_sync',
  'qbwc_connection_error',
  'qbwc_set_password',
  'qbwc_unlock',
  'qbwc_reprocess',
  'qbwc_mapping_create',
  'qbwc_mapping_update',
  'qbwc_mapping_delete',
  'qbwc_mappings_view',
  'qbwc_metrics_view',
  'qbwc_history_view',
  'qbwc_status_view',
] as const;

/** The known actions plus any other the table holds (rows written by an older or newer version). */
export function knownQbrAuditActions(db: Db): string[] {
  const stored = db.prepare('SELECT DISTINCT action FROM qbr_audit_log').pluck().all() as string[];
  return [...new Set<string>([...qbrAuditActions, ...stored])];
}

export function listQbrAudit(db: Db, options: QbrAuditFilter = {}): QbrAuditRow[] {
  const rows = db
    .prepare(
      `SELECT id, timestamp, actor, action, outcome, resource, failure_reason AS failureReason, details,
              ip_address AS ipAddress, user_agent AS userAgent
       FROM qbr_audit_log
       WHERE (@action IS NULL OR action = @action) AND (@failures = 0 OR outcome <> 'success')
       ORDER BY id DESC LIMIT @limit`,
    )
    .all({
      action: options.action ?? null,
      failures: options.failuresOnly ? 1 : 0,
      limit: options.limit ?? 100,
    }) as RawRow[];
  return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
}
