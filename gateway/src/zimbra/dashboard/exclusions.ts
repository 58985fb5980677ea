import type { AppContext } from '../../app/context';
import { validatePattern } from '../glob';
import { ZimbraStore } from '../store';

/**
 * Exclusion patterns from the dashboard: added (or re-activated) with a reason, and switched off again.
 * A pattern switched off stays in the table (its id and reason remain for the audit trail); the next run
 * bills what it used to hide.
 */

export type ExclusionKind = 'domain' | 'cos';

export interface ExclusionDraft {
  kind: string;
  pattern: string;
  reason: string;
}

export type ExclusionErrors = Partial<Record<keyof ExclusionDraft, string>>;

export function checkExclusion(draft: ExclusionDraft): ExclusionErrors {
  const errors: ExclusionErrors = {};
  if (draft.kind !== 'domain' && draft.kind !== 'cos') errors.kind = 'Pick domain or CoS';
  try {
    validatePattern(draft.pattern);
  } catch (error) {
    errors.pattern = error instanceof Error ? error.message : String(error);
  }
  if (draft.reason.trim() === '') errors.reason = 'Say why, e.g. "internal mailboxes"';
  else if (draft.reason.length > 200) errors.reason = 'At most 200 characters';
  return errors;
}

export function addExclusion(ctx: AppContext, draft: ExclusionDraft, actor: string): string {
  const pattern = validatePattern(draft.pattern);
  new ZimbraStore(ctx.db).addExclusion(draft.kind as ExclusionKind, pattern, draft.reason.trim());
  ctx.audit.record({
    actor,
    action: 'zimbra_exclusion',
    target: `${draft.kind}:${pattern}`,
    outcome: 'success',
    details: { active: true, reason: draft.reason.trim() },
  });
  return pattern;
}

/** Switches an exclusion off; false when there is no active exclusion with that id. */
export function removeExclusion(ctx: AppContext, id: number, actor: string): boolean {
  const row = ctx.db
    .prepare('SELECT kind, pattern FROM zimbra_exclusions WHERE id = ? AND active = 1')
    .get(id) as { kind: string; pattern: string } | undefined;
  if (!row) return false;
  ctx.db.prepare('UPDATE zimbra_exclusions SET active = 0 WHERE id = ?').run(id);
  ctx.audit.record({
    actor,
    action: 'zimbra_exclusion',
    target: `${row.kind}:${row.pattern}`,
    outcome: 'success',
    details: { active: false },
  });
  return true;
}
