import crypto from 'node:crypto';
import { formatCents } from '../../../shared/src/money';
import { headerKey } from '../../../shared/src/sheets/columns';
import type {
  JobAccepted,
  JobView,
  RowResult,
  SheetsRequest,
  SyncOptions,
} from '../../../shared/src/sheets/contract';
import { eligibility, parseStatusList } from '../../../shared/src/sheets/eligibility';
import type { RowGroup } from '../../../shared/src/sheets/group';
import type { AppContext } from '../app/context';
import type { Job } from '../jobs/jobs';
import {
  type CreateInput,
  type CreateOutcome,
  createMany,
  findName,
  findOrCreateName,
  NameConflictError,
  openQbo,
  payloadHash,
  type QboConnection,
  qboWebLink,
} from '../qbo/index';
import { loadDirections } from './directions-file';
import { billFor, invoiceFor, type MappedObject } from './map-row';
import { groupResult, type Plan, planRows, type SheetSettings } from './plan';
import { type SheetsAuditEntry, SheetsStore } from './store';

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

const partyEntity = (g: RowGroup) => (g.direction === 'money_out' ? 'Vendor' : 'Customer');

/** The `qb_customers` tab maps a sheet's client name to a QuickBooks name or numeric Id. */
function mappedParty(g: RowGroup, customers: Record<string, string> | undefined): string {
  if (g.direction === 'money_out' || !customers) return g.party;
  for (const [from, to] of Object.entries(customers)) {
    if (headerKey(from) === headerKey(g.party) && to.trim() !== '') return to.trim();
  }
  return g.party;
}

/** Rows checked without touching anything: no customer, vendor, ledger row or job is created. */
export async function validateRows(ctx: AppContext, request: SheetsRequest): Promise<RowResult[]> {
  const settings = settingsFor(ctx, request.options);
  const plan = planRows(request.rows, settings, today());
  const results = [...plan.settled];
  let qbo: QboConnection | undefined;
  try {
    qbo = openQbo(ctx);
  } catch {
    qbo = undefined;
  }
  const known = new Map<string, string>();
  for (const g of plan.groups) {
    const party = mappedParty(g, request.customers);
    const entity = partyEntity(g);
    let note = known.get(`${entity}:${party}`);
    if (note === undefined) {
      note = '';
      if (/^\d+$/.test(party)) note = '';
      else if (qbo) {
        try {
          const found = await findName(qbo.client, entity, party);
          note = found
            ? found.active
              ? ''
              : `${entity} "${party}" is inactive in QuickBooks; make it active first`
            : `${entity.toLowerCase()} "${party}" will be created in QuickBooks`;
        } catch (error) {
          note = `could not check ${entity.toLowerCase()} "${party}" in QuickBooks: ${(error as Error).message}`;
        }
      }
      known.set(`${entity}:${party}`, note);
    }
    const what = `${g.direction === 'money_out' ? 'bill' : 'invoice'} ${g.docNumber}: ${g.rows.length} line${g.rows.length === 1 ? '' : 's'}, ${formatCents(g.totalCents)}`;
    for (const r of g.rows) {
      results.push(
        groupResult(g, r.rowId, r.sheetRow, { status: 'ok' }, [
          ...(plan.warnings.get(r.rowId) ?? []),
          `Would create ${what}`,
          ...(note ? [note] : []),
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
  const notEligible: RowResult[] = [];
  let accepted = request.rows.filter((row) => {
    const verdict = eligibility(row, {
      eligibleStatuses: settings.eligibleStatuses,
      // Rows QuickBooks refused are failed rows: asking to retry them includes them.
      includeFailed: (options.includeFailed ?? false) || (options.retryRejected ?? false),
      backfill: options.backfill ?? false,
    });
    if (!verdict.eligible) {
      notEligible.push({
        rowId: row.rowId,
        sheetRow: row.sheetRow,
        status: 'ok',
        warnings: [verdict.reason],
      });
    }
    return verdict.eligible;
  });
  if (options.limit !== undefined) accepted = accepted.slice(0, Math.max(0, options.limit));
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
  const plan = planRows(request.rows, settings, today());
  settle(plan.settled);
  const summary = () => ({ spreadsheetId: request.spreadsheetId, sheet: request.sheetName, ...tally });
  if (plan.groups.length === 0) {
    ctx.jobs.finish(job.id, summary());
    return;
  }
  if (job.dryRun) {
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
    settle(pendingResults(plan, message));
    ctx.jobs.fail(job.id, message, summary());
    return;
  }
  try {
    await writeGroups(ctx, qbo, job, request, plan, settle);
    ctx.jobs.finish(job.id, summary());
  } catch (error) {
    const message = `QuickBooks stopped the run: ${(error as Error).message}`;
    const done = new Set(store.results(job.id).map((r) => r.rowId));
    settle(pendingResults(plan, message).filter((r) => !done.has(r.rowId)));
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

async function resolveParties(
  qbo: QboConnection,
  groups: readonly RowGroup[],
  customers: Record<string, string> | undefined,
): Promise<Map<RowGroup, { id: string } | { error: string }>> {
  const byName = new Map<string, { id: string } | { error: string }>();
  const out = new Map<RowGroup, { id: string } | { error: string }>();
  for (const g of groups) {
    const entity = partyEntity(g);
    const name = mappedParty(g, customers);
    const key = `${entity}:${headerKey(name)}`;
    let found = byName.get(key);
    if (!found) {
      if (entity === 'Customer' && /^\d+$/.test(name)) found = { id: name };
      else {
        try {
          found = { id: (await findOrCreateName(qbo.client, qbo.ledger, { entity, displayName: name })).id };
        } catch (error) {
          if (!(error instanceof NameConflictError)) throw error;
          found = { error: error.message };
        }
      }
      byName.set(key, found);
    }
    out.set(g, found);
  }
  return out;
}

async function writeGroups(
  ctx: AppContext,
  qbo: QboConnection,
  job: Job,
  request: SheetsRequest,
  plan: Plan,
  settle: (results: RowResult[]) => void,
): Promise<void> {
  const store = new SheetsStore(ctx.db);
  const parties = await resolveParties(qbo, plan.groups, request.customers);
  const inputs: CreateInput[] = [];
  const byKey = new Map<string, { group: RowGroup; mapped: MappedObject; changed: string | undefined }>();
  const itemId = ctx.config.QBO_DEFAULT_ITEM_ID!;
  const accountId = ctx.config.QBO_DEFAULT_EXPENSE_ACCOUNT_ID ?? '';
  for (const g of plan.groups) {
    const party = parties.get(g)!;
    const rowWarnings = (id: string) => plan.warnings.get(id) ?? [];
    if ('error' in party) {
      settle(
        g.rows.map((r) =>
          groupResult(g, r.rowId, r.sheetRow, { status: 'failed', error: party.error }, rowWarnings(r.rowId)),
        ),
      );
      continue;
    }
    const mapped =
      g.direction === 'money_out' ? billFor(g, party.id, accountId) : invoiceFor(g, party.id, itemId);
    const key = `sheets:${request.spreadsheetId}:${g.anchorRowId}`;
    const existing = qbo.ledger.find(qbo.realmId, key, mapped.entity);
    const changed =
      existing?.state === 'created' && existing.payloadHash !== payloadHash(mapped.payload)
        ? `Changed after it was synced: QuickBooks still has the old version of ${mapped.entity.toLowerCase()} ${g.docNumber} (Id ${existing.qboId}); edit it there — qb-bridge never creates it a second time`
        : undefined;
    byKey.set(key, { group: g, mapped, changed });
    inputs.push({ key, entity: mapped.entity, payload: mapped.payload, lookup: { docNumber: g.docNumber } });
  }
  // A batch settles up to 30 rows in one tick: their results, audit rows and progress are stored in one
  // commit (a commit per row is a disk flush each, which made 2,000 rows wait on the disk, not QuickBooks).
  let results: RowResult[] = [];
  let audits: SheetsAuditEntry[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (results.length === 0 && audits.length === 0) return;
    const [r, a] = [results, audits];
    results = [];
    audits = [];
    ctx.db.transaction(() => {
      settle(r);
      for (const entry of a) store.audit(entry);
    })();
  };
  const later = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const onSettled = (o: CreateOutcome) => {
    const entry = byKey.get(o.key);
    if (!entry) return;
    const { group, mapped, changed } = entry;
    const ledgerRow = qbo.ledger.get(o.ledgerId);
    const syncedAt = new Date().toISOString();
    const outcome =
      o.state === 'created'
        ? {
            status: 'synced' as const,
            qboId: o.qboId,
            url: qboWebLink(qbo.client.endpoints, mapped.entity, o.qboId),
            syncedAt,
            ...(changed ? { error: changed } : {}),
          }
        : o.state === 'rejected'
          ? {
              status: 'failed' as const,
              error: `QuickBooks refused ${mapped.entity.toLowerCase()} ${group.docNumber}: ${o.message}`,
              syncedAt,
            }
          : { status: 'pending' as const, error: o.message };
    results.push(
      ...group.rows.map((r) =>
        groupResult(group, r.rowId, r.sheetRow, outcome, [
          ...(plan.warnings.get(r.rowId) ?? []),
          ...mapped.warnings,
        ]),
      ),
    );
    later();
    audits.push({
      jobId: job.id,
      spreadsheetId: request.spreadsheetId,
      sheetName: request.sheetName,
      rowIds: group.rows.map((r) => r.rowId),
      entity: mapped.entity,
      ledgerKey: o.key,
      docNumber: group.docNumber,
      payloadHash: ledgerRow.payloadHash,
      qboId: o.state === 'created' ? o.qboId : null,
      requestId: ledgerRow.requestId,
      outcome:
        o.state === 'created' ? (o.adopted ? 'adopted' : changed ? 'created_earlier' : 'created') : o.state,
      message: o.state === 'created' ? (changed ?? null) : o.message,
    });
  };
  try {
    if (inputs.length > 0) {
      await createMany(qbo.client, qbo.ledger, inputs, {
        onSettled,
        retryRejected: request.options?.retryRejected,
      });
    }
  } finally {
    flush();
  }
}
