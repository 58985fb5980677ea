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

/** What one row may hold at most: callers log paths and messages that outsiders can make arbitrarily long. */
export const auditLimits = { actorChars: 120, targetChars: 300, textChars: 500, detailsChars: 4_000 };

/** Cuts `text` to `max` characters, saying how much was left out. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function clipDetails(details: Record<string, unknown>): string {
  const clipped = JSON.stringify(details, (_key, value: unknown) =>
    typeof value === 'string' ? clip(value, auditLimits.textChars) : value,
  );
  if (clipped.length <= auditLimits.detailsChars) return clipped;
  return JSON.stringify({ truncated: true, preview: clip(clipped, auditLimits.detailsChars / 2) });
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
        clip(entry.actor, auditLimits.actorChars),
        clip(entry.action, auditLimits.actorChars),
        entry.target === undefined ? null : clip(entry.target, auditLimits.targetChars),
        entry.outcome,
        clipDetails(entry.details ?? {}),
      );
  }

  /** Deletes rows older than `retentionDays`; answers how many went. */
  prune(retentionDays: number, now = new Date()): number {
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    return this.db.prepare('DELETE FROM audit_log WHERE at < ?').run(cutoff).changes;
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
