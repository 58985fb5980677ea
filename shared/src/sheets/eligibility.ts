import { headerKey } from './columns';
import type { SheetRowInput } from './contract';

/**
 * Which rows a sync takes (seed 001 "Target Flow" step 1, without its defects): a ready `status`, no
 * QuickBooks id yet, not already `synced`/`skipped`; `failed` rows only when asked; rows left `queued` or
 * `processing` by a run that is no longer in flight are taken again (the seed excluded them forever) —
 * re-sending is safe because the gateway's ledger makes every create exactly-once.
 *
 * A row whose bill is already in QuickBooks (`qb_bill_id`) is never taken to create anything again, but it
 * is taken for a **payment-only pass** when its paid date was typed after the bill synced (`qb_bill_status`
 * not `paid` yet), and for a **paid-date-removed** notice when the date is cleared after the payment was
 * recorded (QuickBooks keeps the payment: we never delete one silently, so the row must say so).
 */
export interface EligibilityOptions {
  eligibleStatuses: readonly string[];
  includeFailed?: boolean;
  backfill?: boolean;
  /** Rows a job still running owns; everything else stuck in queued/processing is retried. */
  inFlight?: ReadonlySet<string>;
  /**
   * The gateway's QBO_AUTO_MARK_BILL_PAID is off: paid dates of synced bills are not a reason to send them.
   * The add-on does not know the setting and leaves this unset; the gateway decides.
   */
  billPaymentsOff?: boolean;
}

/** What a row is sent for: its invoice or bill, its synced bill's payment, or a cleared paid date. */
export type SyncPass = 'create' | 'payment' | 'paid-date-removed';

export type Eligibility = { eligible: true; pass: SyncPass } | { eligible: false; reason: string };

const text = (v: unknown) => String(v ?? '').trim();

/** A failed row waits until failed rows are asked for; a row a running job owns waits for that job. */
function heldBack(
  row: SheetRowInput,
  state: string,
  options: EligibilityOptions,
  failedReason: string,
): Eligibility | undefined {
  if (state === 'failed' && !options.includeFailed) return { eligible: false, reason: failedReason };
  if ((state === 'queued' || state === 'processing') && options.inFlight?.has(row.rowId)) {
    return { eligible: false, reason: 'a sync of this row is still running' };
  }
  return undefined;
}

/** A row whose bill QuickBooks already holds: only its payment can still be due. */
function syncedBillEligibility(row: SheetRowInput, options: EligibilityOptions): Eligibility {
  const v = row.values;
  const billState = text(v.qb_bill_status).toLowerCase();
  const paidDate = text(v.inv_paid_date) !== '';
  if (billState === 'paid') {
    return paidDate
      ? { eligible: false, reason: 'already in QuickBooks, and paid' }
      : { eligible: true, pass: 'paid-date-removed' };
  }
  if (!paidDate) return { eligible: false, reason: 'already in QuickBooks' };
  if (options.billPaymentsOff) {
    return {
      eligible: false,
      reason: 'already in QuickBooks; marking bills paid is off on the gateway (QBO_AUTO_MARK_BILL_PAID)',
    };
  }
  const held = heldBack(
    row,
    billState,
    options,
    'its payment failed earlier (see qb_bill_error); include failed rows to try it again',
  );
  return held ?? { eligible: true, pass: 'payment' };
}

export function eligibility(row: SheetRowInput, options: EligibilityOptions): Eligibility {
  const v = row.values;
  if (text(v.qb_invoice_id) !== '') return { eligible: false, reason: 'already in QuickBooks' };
  if (text(v.qb_bill_id) !== '') return syncedBillEligibility(row, options);
  const state = text(v.qb_sync_status).toLowerCase();
  if (state === 'synced') return { eligible: false, reason: 'already synced' };
  if (state === 'skipped') return { eligible: false, reason: 'skipped (see qb_error)' };
  const held = heldBack(
    row,
    state,
    options,
    'failed earlier; fix the row and set qb_sync_status to pending, or include failed rows',
  );
  if (held) return held;
  const status = text(v.status).toLowerCase();
  const ready = options.eligibleStatuses.some((s) => headerKey(s) === status);
  if (ready) return { eligible: true, pass: 'create' };
  if (options.backfill && (status === 'paid' || text(v.inv_paid_date) !== '')) {
    return { eligible: true, pass: 'create' };
  }
  return {
    eligible: false,
    reason: `status "${text(v.status)}" is not one of ${options.eligibleStatuses.join(', ')}`,
  };
}

/**
 * `picked` plus every other row of the same synced bills (same `qb_bill_id`): a bill is paid as a whole,
 * so the payment pass sees all its lines and can tell when their paid dates disagree.
 */
export function withBillSiblings(
  all: readonly SheetRowInput[],
  picked: readonly SheetRowInput[],
): SheetRowInput[] {
  const bills = new Set(picked.map((r) => text(r.values.qb_bill_id)).filter((id) => id !== ''));
  const ids = new Set(picked.map((r) => r.rowId));
  if (bills.size === 0) return [...picked];
  return all.filter((r) => ids.has(r.rowId) || bills.has(text(r.values.qb_bill_id)));
}

export function parseStatusList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}
