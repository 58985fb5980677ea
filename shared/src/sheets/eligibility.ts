import { headerKey } from './columns';
import type { SheetRowInput } from './contract';

/**
 * Which rows a sync takes (seed 001 "Target Flow" step 1, without its defects): a ready `status`, no
 * QuickBooks id yet, not already `synced`/`skipped`; `failed` rows only when asked; rows left `queued` or
 * `processing` by a run that is no longer in flight are taken again (the seed excluded them forever) —
 * re-sending is safe because the gateway's ledger makes every create exactly-once.
 */
export interface EligibilityOptions {
  eligibleStatuses: readonly string[];
  includeFailed?: boolean;
  backfill?: boolean;
  /** Rows a job still running owns; everything else stuck in queued/processing is retried. */
  inFlight?: ReadonlySet<string>;
}

export type Eligibility = { eligible: true } | { eligible: false; reason: string };

const text = (v: unknown) => String(v ?? '').trim();

export function eligibility(row: SheetRowInput, options: EligibilityOptions): Eligibility {
  const v = row.values;
  if (text(v.qb_invoice_id) !== '' || text(v.qb_bill_id) !== '') {
    return { eligible: false, reason: 'already in QuickBooks' };
  }
  const state = text(v.qb_sync_status).toLowerCase();
  if (state === 'synced') return { eligible: false, reason: 'already synced' };
  if (state === 'skipped') return { eligible: false, reason: 'skipped (see qb_error)' };
  if (state === 'failed' && !options.includeFailed) {
    return {
      eligible: false,
      reason: 'failed earlier; fix the row and set qb_sync_status to pending, or include failed rows',
    };
  }
  if ((state === 'queued' || state === 'processing') && options.inFlight?.has(row.rowId)) {
    return { eligible: false, reason: 'a sync of this row is still running' };
  }
  const status = text(v.status).toLowerCase();
  const ready = options.eligibleStatuses.some((s) => headerKey(s) === status);
  if (ready) return { eligible: true };
  if (options.backfill && (status === 'paid' || text(v.inv_paid_date) !== '')) return { eligible: true };
  return {
    eligible: false,
    reason: `status "${text(v.status)}" is not one of ${options.eligibleStatuses.join(', ')}`,
  };
}

export function parseStatusList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}
