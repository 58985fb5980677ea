import type { Db } from './database';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string;
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
}

export interface AuditRow extends Required<Omit<AuditEntry, 'target'>> {
  id: number;
  at: string;
  target: string | null;
}

/** Who did what, kept in the store. Callers must not put secrets in `details`. */
export class AuditLog {
  constructor(private readonly db: Db) {}

  record(entry: AuditEntry): void {
    this.db
      .prepare(
        'INSERT INTO audit_log (at, actor, action, target, outcome, details) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        new Date().toISOString(),
        entry.actor,
        entry.action,
        entry.target ?? null,
        entry.outcome,
        JSON.stringify(entry.details ?? {}),
      );
  }

  recent(options: { action?: string; limit?: number } = {}): AuditRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, at, actor, action, target, outcome, details FROM audit_log
         WHERE (@action IS NULL OR action = @action) ORDER BY id DESC LIMIT @limit`,
      )
      .all({ action: options.action ?? null, limit: options.limit ?? 100 }) as Array<
      Omit<AuditRow, 'details'> & { details: string }
    >;
    return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
  }
}
