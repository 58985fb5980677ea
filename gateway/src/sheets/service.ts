import crypto from 'node:crypto';
import { formatCents } from '../../../shared/src/money';
import type {
  JobAccepted,
  JobView,
  RowResult,
  SheetRowInput,
  SheetsRequest,
  SyncOptions,
} from '../../../shared/src/sheets/contract';
import { eligibility, parseStatusList, withBillSiblings } from '../../../shared/src/sheets/eligibility';
import type { RowGroup } from '../../../shared/src/sheets/group';
import type { AppContext } from '../app/context';
import type { Job } from '../jobs/jobs';
import { findName, openQbo, type QboConnection } from '../qbo/index';
import { CustomerMap, clientKey } from './customer-map';
import { loadDirections } from './directions-file';
import { mappedParty, partyEntity, tableMatches, tabTarget } from './parties';
import { missingPaymentAccount, paidDateOf } from './payments/bill-payments';
import { paySyncedBills } from './payments/pay-synced-bills';
import { groupResult, type Plan, planRows, type SheetSettings } from './plan';
import { SheetsStore } from './store';
import { writeGroups } from './write-groups';

/**
 * The sheet flow (design.md "Sheet sync"): rows arrive from the add-on, are checked and grouped by the pure
 * core, parties are found or created, and every invoice/bill goes through the exactly-once batch writer
 * under the key `sheets:<spreadsheet>:<smallest qb_row_id of the invoice>`. Results land per row in the
 * store as they settle, so the add-on writes them back while the job still runs.
 */

export const sheetsFlow = 'sheets';

export function settingsFor(ctx: AppContext, options: SyncOptions = {}): SheetSettings {
  const c = ctx.config;
  return {
    mode: options.mode ?? c.SHEETS_SYNC_MODE,
    eligibleStatuses:
      options.eligibleStatuses && options.eligibleStatuses.length > 0
        ? options.eligibleStatuses.map((s) => s.trim().toLowerCase()).filter(Boolean)
        : parseStatusList(c.SHEETS_ELIGIBLE_STATUSES),
    directions: loadDirections(c),
    docPrefix: c.SHEETS_DOC_PREFIX ?? '',
    itemId: c.QBO_DEFAULT_ITEM_ID,
    expenseAccountId: c.QBO_DEFAULT_EXPENSE_ACCOUNT_ID,
  };
}

const today = () => new Date().toISOString().slice(0, 10);

/** What a sync would do about the group's customer or vendor (read only: nothing is created). */
async function partyNote(
  qbo: QboConnection | undefined,
  g: RowGroup,
  party: string,
  fromTable: string | undefined,
): Promise<string> {
  const entity = partyEntity(g);
  if (fromTable) return `customer from the gateway's customer mapping: QuickBooks Id ${fromTable}`;
  if (/^\d+$/.test(party) || !qbo) return '';
  try {
    const found = await findName(qbo.client, entity, party);
    if (!found) return `${entity.toLowerCase()} "${party}" will be created in QuickBooks`;
    return found.active ? '' : `${entity} "${party}" is inactive in QuickBooks; make it active first`;
  } catch (error) {
    return `could not check ${entity.toLowerCase()} "${party}" in QuickBooks: ${(error as Error).message}`;
  }
}

/** What QBO_AUTO_MARK_BILL_PAID would do with the group's paid date. */
function paymentNote(ctx: AppContext, g: RowGroup): string {
  if (!ctx.config.QBO_AUTO_MARK_BILL_PAID || g.direction !== 'money_out') return '';
  const paid = paidDateOf(g);
  if (paid.warning) return paid.warning;
  if (!paid.date) return '';
  if (!ctx.config.QBO_BILL_PAYMENT_ACCOUNT_ID) return missingPaymentAccount;
  return `Would mark it paid on ${paid.date}`;
}

/** Rows checked without touching anything: no customer, vendor, ledger row or job is created. */
export async function validateRows(ctx: AppContext, request: SheetsRequest): Promise<RowResult[]> {
  const settings = settingsFor(ctx, request.options);
  // A row whose bill is in QuickBooks is never created again: at most its payment is recorded.
  const billed = request.rows.filter((r) => String(r.values.qb_bill_id ?? '').trim() !== '');
  const plan = planRows(
    request.rows.filter((r) => !billed.includes(r)),
    settings,
    today(),
  );
  const results = [...plan.settled, ...billed.map(billedCheck)];
  let qbo: QboConnection | undefined;
  try {
    qbo = openQbo(ctx);
  } catch {
    qbo = undefined;
  }
  const table = qbo
    ? tableMatches(new CustomerMap(ctx.db), qbo.realmId, plan.groups, request.customers)
    : new Map<string, string>();
  const known = new Map<string, string>();
  for (const g of plan.groups) {
    const party = mappedParty(g, request.customers);
    const fromTable =
      partyEntity(g) === 'Customer' && tabTarget(g, request.customers) === undefined
        ? table.get(clientKey(party))
        : undefined;
    const cacheKey = `${partyEntity(g)}:${clientKey(party)}`;
    let note = known.get(cacheKey);
    if (note === undefined) {
      note = await partyNote(qbo, g, party, fromTable);
      known.set(cacheKey, note);
    }
    const what = `${g.direction === 'money_out' ? 'bill' : 'invoice'} ${g.docNumber}: ${g.rows.length} line${g.rows.length === 1 ? '' : 's'}, ${formatCents(g.totalCents)}`;
    const payment = paymentNote(ctx, g);
    for (const r of g.rows) {
      results.push(
        groupResult(g, r.rowId, r.sheetRow, { status: 'ok' }, [
          ...(plan.warnings.get(r.rowId) ?? []),
          `Would create ${what}`,
          ...(note ? [note] : []),
          ...(payment ? [payment] : []),
        ]),
      );
    }
  }
  return results.sort((a, b) => a.sheetRow - b.sheetRow);
}

function fingerprintOf(request: SheetsRequest, rowIds: readonly string[]): string {
  const byId = new Map(request.rows.map((r) => [r.rowId, r]));
  const rows = [...rowIds].sort().map((id) => {
    const values = byId.get(id)!.values;
    return [
      id,
      Object.keys(values)
        .sort()
        .map((k) => [k, values[k]]),
    ];
  });
  return crypto
    .createHash('sha256')
    .update(
      JSON.stringify({
        sheet: request.sheetName,
        rows,
        customers: request.customers ?? {},
        options: request.options ?? {},
      }),
    )
    .digest('hex');
}

/** In-flight jobs of this process, so tests and shutdown can wait for them. */
const running = new Map<string, Promise<void>>();

export function runningSheetJob(jobId: string): Promise<void> | undefined {
  return running.get(jobId);
}

/**
 * Starts a job for the eligible rows (202 + id). The same rows with the same content submitted again
 * return the earlier job instead of a new one; either way the ledger never creates an object twice.
 */
export function submitJob(ctx: AppContext, request: SheetsRequest, startedBy: string): JobAccepted {
  const options = request.options ?? {};
  const settings = settingsFor(ctx, options);
  const reasons = new Map<string, string>();
  let accepted = request.rows.filter((row) => {
    const verdict = eligibility(row, {
      eligibleStatuses: settings.eligibleStatuses,
      // Rows QuickBooks refused are failed rows: asking to retry them includes them.
      includeFailed: (options.includeFailed ?? false) || (options.retryRejected ?? false),
      backfill: options.backfill ?? false,
      billPaymentsOff: !ctx.config.QBO_AUTO_MARK_BILL_PAID,
    });
    if (!verdict.eligible) reasons.set(row.rowId, verdict.reason);
    return verdict.eligible;
  });
  if (options.limit !== undefined) accepted = accepted.slice(0, Math.max(0, options.limit));
  // A bill due its payment is paid as a whole: its other lines come along, whatever their own verdict.
  accepted = withBillSiblings(request.rows, accepted);
  const taken = new Set(accepted.map((r) => r.rowId));
  const notEligible: RowResult[] = request.rows
    .filter((r) => !taken.has(r.rowId) && reasons.has(r.rowId))
    .map((r) => ({ rowId: r.rowId, sheetRow: r.sheetRow, status: 'ok', warnings: [reasons.get(r.rowId)!] }));
  const store = new SheetsStore(ctx.db);
  const fingerprint = fingerprintOf(
    request,
    accepted.map((r) => r.rowId),
  );
  const earlier = store.jobForFingerprint(request.spreadsheetId, fingerprint);
  if (earlier) {
    const job = ctx.jobs.get(earlier)!;
    return { jobId: job.id, state: job.state, reused: true, accepted: accepted.length, notEligible };
  }
  const job = ctx.jobs.start({
    flow: sheetsFlow,
    scope: request.spreadsheetId,
    startedBy,
    total: accepted.length,
    dryRun: options.dryRun ?? false,
  });
  store.recordJob(job.id, request.spreadsheetId, request.sheetName, fingerprint);
  const run = runJob(ctx, job, { ...request, rows: accepted }, settings)
    .catch((error: unknown) => {
      ctx.log.error({ err: error, jobId: job.id }, 'sheet job failed');
      try {
        ctx.jobs.fail(job.id, (error as Error).message);
      } catch {
        // The store closed under the job (shutdown): the job's heartbeat runs out and it is reaped.
      }
    })
    .finally(() => running.delete(job.id));
  running.set(job.id, run);
  return { jobId: job.id, state: job.state, reused: false, accepted: accepted.length, notEligible };
}

export function jobView(ctx: AppContext, job: Job): JobView {
  return {
    id: job.id,
    state: job.state,
    dryRun: job.dryRun,
    total: job.total,
    done: job.done,
    failed: job.failed,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    error: job.error,
    results: new SheetsStore(ctx.db).results(job.id),
  };
}

interface Tally {
  synced: number;
  failed: number;
  skipped: number;
  pending: number;
  ok: number;
}

async function runJob(
  ctx: AppContext,
  job: Job,
  request: SheetsRequest,
  settings: SheetSettings,
): Promise<void> {
  // Let the 202 go out before the synchronous planning work starts.
  await new Promise((resolve) => setImmediate(resolve));
  const store = new SheetsStore(ctx.db);
  const tally: Tally = { synced: 0, failed: 0, skipped: 0, pending: 0, ok: 0 };
  const settle = (results: RowResult[]) => {
    if (results.length === 0) return;
    store.saveResults(job.id, results);
    for (const r of results) tally[r.status as keyof Tally] = (tally[r.status as keyof Tally] ?? 0) + 1;
    ctx.jobs.progress(job.id, {
      done: tally.synced + tally.skipped + tally.ok,
      failed: tally.failed + tally.pending,
    });
  };
  // Rows whose bill is already in QuickBooks only ever get its payment (payments/pay-synced-bills.ts).
  const billed = (r: SheetRowInput) => String(r.values.qb_bill_id ?? '').trim() !== '';
  const paying = request.rows.filter(billed);
  const plan = planRows(
    request.rows.filter((r) => !billed(r)),
    settings,
    today(),
  );
  settle(plan.settled);
  const summary = () => ({ spreadsheetId: request.spreadsheetId, sheet: request.sheetName, ...tally });
  if (plan.groups.length === 0 && paying.length === 0) {
    ctx.jobs.finish(job.id, summary());
    return;
  }
  if (job.dryRun) {
    settle(paying.map(billedCheck));
    const checked = await validateRows(ctx, {
      ...request,
      rows: plan.groups.flatMap((g) => g.rows.map((r) => request.rows.find((x) => x.rowId === r.rowId)!)),
    });
    settle(checked);
    ctx.jobs.finish(job.id, summary());
    return;
  }
  let qbo: QboConnection;
  try {
    qbo = openQbo(ctx);
  } catch (error) {
    const message = `${(error as Error).message}; nothing was created`;
    settle([...pendingResults(plan, message), ...billUntouched(paying, message)]);
    ctx.jobs.fail(job.id, message, summary());
    return;
  }
  try {
    if (plan.groups.length > 0) await writeGroups(ctx, qbo, job, request, plan, settle);
    if (paying.length > 0) {
      await paySyncedBills(ctx, qbo, job, { ...request, rows: paying }, settings, today(), settle);
    }
    ctx.jobs.finish(job.id, summary());
  } catch (error) {
    const message = `QuickBooks stopped the run: ${(error as Error).message}`;
    const done = new Set(store.results(job.id).map((r) => r.rowId));
    settle(
      [...pendingResults(plan, message), ...billUntouched(paying, message)].filter((r) => !done.has(r.rowId)),
    );
    ctx.jobs.fail(job.id, message, summary());
  }
}

function pendingResults(plan: Plan, message: string): RowResult[] {
  return plan.groups.flatMap((g) =>
    g.rows.map((r) =>
      groupResult(
        g,
        r.rowId,
        r.sheetRow,
        { status: 'pending', error: message },
        plan.warnings.get(r.rowId) ?? [],
      ),
    ),
  );
}

/** What a check (validate, dry run) says of a row whose bill is already in QuickBooks. */
function billedCheck(r: SheetRowInput): RowResult {
  return {
    rowId: r.rowId,
    sheetRow: r.sheetRow,
    status: 'ok',
    direction: 'money_out',
    warnings: [
      `Its bill is already in QuickBooks (Id ${String(r.values.qb_bill_id)}); a sync only records its payment when it carries a paid date`,
    ],
  };
}

/** Rows of a synced bill a run could not get to: still synced, the sentence says why nothing happened. */
function billUntouched(rows: readonly SheetRowInput[], message: string): RowResult[] {
  return rows.map((r) => ({
    rowId: r.rowId,
    sheetRow: r.sheetRow,
    status: 'synced',
    direction: 'money_out',
    error: message,
    billError: message,
    warnings: [],
  }));
}
