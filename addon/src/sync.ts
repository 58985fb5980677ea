/**
 * The add-on's runs: read the table once, submit the ready rows as a gateway job, then poll and write
 * results back as they come, until the job ends or the run's time budget (well under Apps Script's 6
 * minutes) is spent; the rest is collected by the next run or when the sidebar opens (the job id waits in
 * Document Properties). Two runs never overlap: the document lock is taken with tryLock.
 */
import { headerKey } from '../../shared/src/sheets/columns';
import type {
  JobAccepted,
  JobView,
  RowResult,
  SheetRowInput,
  SheetsRequest,
} from '../../shared/src/sheets/contract';
import { eligibility, withBillSiblings } from '../../shared/src/sheets/eligibility';
import { callGateway } from './gateway';
import { minPollWaitMs, nextPollWait } from './poll-wait';
import { prop, readSettings, type Settings } from './settings';
import { assignRowIds, ensureQbColumns, readTable, rowInputs, type Table, writeResults } from './table';

export interface RunSummary {
  status: 'done' | 'running' | 'busy' | 'nothing' | 'error';
  message: string;
  jobId?: string;
  counts?: Record<string, number>;
  written?: number;
}

export const busyMessage = 'A sync is already running for this spreadsheet; try again when it has finished.';

export function activeSpreadsheet(): GoogleAppsScript.Spreadsheet.Spreadsheet {
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  if (!ss) throw new Error('No spreadsheet is open for this run');
  return ss;
}

export function targetSheet(settings: Settings): GoogleAppsScript.Spreadsheet.Sheet {
  const sheet = activeSpreadsheet().getSheetByName(settings.sheetName);
  if (!sheet)
    throw new Error(`There is no tab named "${settings.sheetName}"; set the sheet name in the settings`);
  return sheet;
}

export function withDocumentLock<T>(work: () => T): T | RunSummary {
  const lock = LockService.getDocumentLock();
  if (!lock?.tryLock(2000)) return { status: 'busy', message: busyMessage };
  try {
    return work();
  } finally {
    lock.releaseLock();
  }
}

/** Reads the table and makes sure every row can be addressed: qb_* columns present, qb_row_id assigned. */
export function prepareTable(settings: Settings): Table {
  const table = readTable(targetSheet(settings));
  if (table.headers.length === 0) throw new Error(`The tab "${settings.sheetName}" has no header row`);
  ensureQbColumns(table, settings.syncMode === 'dual' ? 'dual' : 'invoice_only');
  assignRowIds(table);
  return table;
}

/** The `qb_customers` tab: first column the sheet's client name, second the QuickBooks name or Id. */
export function customerMap(): Record<string, string> | undefined {
  const tab = activeSpreadsheet().getSheetByName('qb_customers');
  if (!tab || tab.getLastRow() < 2) return undefined;
  const values = tab.getRange(2, 1, tab.getLastRow() - 1, 2).getValues();
  const map: Record<string, string> = {};
  for (const [from, to] of values) {
    if (String(from ?? '').trim() !== '' && String(to ?? '').trim() !== '')
      map[String(from).trim()] = String(to).trim();
  }
  return map;
}

interface LastJob {
  id: string;
  at: string;
}

export function lastJob(): LastJob | undefined {
  const raw = PropertiesService.getDocumentProperties().getProperty(prop.lastJob);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as LastJob;
  } catch {
    return undefined;
  }
}

function countResults(results: readonly RowResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/**
 * Polls a job and writes each new batch of results back, until it ends or `deadline`. Returns the last view.
 * Only results not yet written are written again, so each pass costs the same few range calls.
 */
export function followJob(
  settings: Settings,
  jobId: string,
  deadline: number,
  onPoll?: (view: JobView) => void,
): JobView {
  const sheet = targetSheet(settings);
  const written = new Map<string, string>();
  let view: JobView;
  let wait = minPollWaitMs;
  let first: { done: number; at: number } | undefined;
  for (;;) {
    view = callGateway<JobView>(settings, 'get', `/api/sheets/jobs/${encodeURIComponent(jobId)}`);
    const fresh = view.results.filter((r) => written.get(r.rowId) !== JSON.stringify(r));
    if (fresh.length > 0) {
      writeResults(sheet, fresh);
      for (const r of fresh) written.set(r.rowId, JSON.stringify(r));
    }
    onPoll?.(view);
    const finished = view.state !== 'running' && view.state !== 'queued';
    const now = Date.now();
    if (first) {
      wait = nextPollWait({
        firstDone: first.done,
        firstAt: first.at,
        done: view.done,
        total: view.total,
        now,
        previousWait: wait,
      });
    } else first = { done: view.done, at: now };
    if (finished || now + wait > deadline) break;
    Utilities.sleep(wait);
  }
  const props = PropertiesService.getDocumentProperties();
  if (view.state !== 'running' && view.state !== 'queued') {
    props.deleteProperty(prop.lastJob);
    props.setProperty(
      prop.lastSync,
      JSON.stringify({
        at: new Date().toISOString(),
        jobId,
        state: view.state,
        counts: countResults(view.results),
      }),
    );
  }
  return view;
}

/** Collects a job an earlier run left running: its results reach the sheet before anything new starts. */
export function resumeLastJob(settings: Settings, deadline: number): JobView | undefined {
  const job = lastJob();
  if (!job) return undefined;
  try {
    return followJob(settings, job.id, deadline);
  } catch (error) {
    if ((error as { status?: number }).status === 404) {
      PropertiesService.getDocumentProperties().deleteProperty(prop.lastJob);
      return undefined;
    }
    throw error;
  }
}

export interface SyncRequest {
  /** 1-based sheet rows to consider; all rows when absent. */
  rows?: ReadonlySet<number>;
  includeFailed?: boolean;
  backfill?: boolean;
  dryRun?: boolean;
  /** Overrides the settings' budget (the onEdit trigger keeps its run short). */
  budgetMs?: number;
  onPoll?: (view: JobView) => void;
}

function syncOptions(settings: Settings, request: SyncRequest): SheetsRequest['options'] {
  const options: NonNullable<SheetsRequest['options']> = {};
  if (settings.syncMode) options.mode = settings.syncMode;
  if (settings.eligibleStatuses.length > 0) options.eligibleStatuses = settings.eligibleStatuses;
  if (request.includeFailed) options.includeFailed = true;
  if (request.backfill) options.backfill = true;
  if (request.dryRun) options.dryRun = true;
  return options;
}

/** Rows picked by the user plus the other unsynced rows of the same invoices (one invoice, all its lines). */
function withWholeInvoices(all: SheetRowInput[], picked: SheetRowInput[]): SheetRowInput[] {
  const numbers = new Set(picked.map((r) => headerKey(r.values.invoice)).filter((k) => k !== ''));
  const ids = new Set(picked.map((r) => r.rowId));
  return all.filter(
    (r) =>
      ids.has(r.rowId) ||
      (numbers.has(headerKey(r.values.invoice)) && String(r.values.qb_invoice_id ?? '') === ''),
  );
}

export function runSync(request: SyncRequest = {}): RunSummary {
  const started = Date.now();
  const settings = readSettings();
  const budget = request.budgetMs ?? settings.timeBudgetMs;
  const deadline = started + budget;
  const outcome = withDocumentLock((): RunSummary => {
    const resumed = resumeLastJob(settings, deadline);
    if (resumed && (resumed.state === 'running' || resumed.state === 'queued')) {
      return {
        status: 'running',
        message: `An earlier sync is still running (${resumed.done + resumed.failed} of ${resumed.total ?? '?'} rows); its results are written as they arrive`,
        jobId: resumed.id,
      };
    }
    const table = prepareTable(settings);
    const all = rowInputs(table, activeSpreadsheet().getSpreadsheetTimeZone());
    let candidates = request.rows ? all.filter((r) => request.rows!.has(r.sheetRow)) : all;
    const statuses = settings.eligibleStatuses.length > 0 ? settings.eligibleStatuses : undefined;
    // The gateway decides eligibility; the add-on only leaves out rows that obviously are not (to keep the
    // request small), using the same rule when it knows the statuses.
    candidates = candidates.filter(
      (r) =>
        !statuses ||
        eligibility(r, {
          eligibleStatuses: statuses,
          includeFailed: request.includeFailed ?? false,
          backfill: request.backfill ?? false,
        }).eligible,
    );
    if (request.rows) candidates = withWholeInvoices(all, candidates);
    // A synced bill due a payment goes with all its lines (their paid dates must agree).
    candidates = withBillSiblings(all, candidates);
    if (candidates.length === 0) return { status: 'nothing', message: 'No rows are ready to sync' };
    const customers = customerMap();
    const body: SheetsRequest = {
      spreadsheetId: activeSpreadsheet().getId(),
      sheetName: settings.sheetName,
      rows: candidates,
      options: syncOptions(settings, request),
      ...(customers ? { customers } : {}),
    };
    const accepted = callGateway<JobAccepted>(settings, 'post', '/api/sheets/jobs', body);
    if (accepted.accepted === 0)
      return { status: 'nothing', message: 'No rows are ready to sync', jobId: accepted.jobId };
    PropertiesService.getDocumentProperties().setProperty(
      prop.lastJob,
      JSON.stringify({ id: accepted.jobId, at: new Date().toISOString() }),
    );
    const acceptedIds = new Set(candidates.map((r) => r.rowId));
    for (const r of accepted.notEligible) acceptedIds.delete(r.rowId);
    if (!request.dryRun) {
      writeResults(
        table.sheet,
        candidates
          .filter((r) => acceptedIds.has(r.rowId))
          .map((r) => ({ rowId: r.rowId, sheetRow: r.sheetRow, status: 'queued' as const, warnings: [] })),
      );
    }
    const view = followJob(settings, accepted.jobId, deadline, request.onPoll);
    const counts = countResults(view.results);
    const finished = view.state !== 'running' && view.state !== 'queued';
    const parts = Object.entries(counts).map(([k, v]) => `${v} ${k}`);
    return {
      status: finished ? 'done' : 'running',
      message: finished
        ? `Sync ${view.state}: ${parts.join(', ') || 'no rows'}${view.error ? ` — ${view.error}` : ''}`
        : `Sync still running (${view.done + view.failed} of ${view.total ?? '?'} rows); the rest is written when the sidebar opens or on the next run`,
      jobId: view.id,
      counts,
    };
  });
  return outcome;
}

/** Validate: per-row problems written to qb_error (and notes); statuses untouched; nothing created. */
export function runValidate(rows: ReadonlySet<number> | undefined): RunSummary {
  const settings = readSettings();
  return withDocumentLock((): RunSummary => {
    const table = prepareTable(settings);
    const all = rowInputs(table, activeSpreadsheet().getSpreadsheetTimeZone());
    const picked = rows
      ? withWholeInvoices(
          all,
          all.filter((r) => rows.has(r.sheetRow)),
        )
      : all;
    if (picked.length === 0) return { status: 'nothing', message: 'No rows to validate' };
    const customers = customerMap();
    const answer = callGateway<{ results: RowResult[] }>(settings, 'post', '/api/sheets/validate', {
      spreadsheetId: activeSpreadsheet().getId(),
      sheetName: settings.sheetName,
      rows: picked,
      options: syncOptions(settings, {}),
      ...(customers ? { customers } : {}),
    });
    // Validation never changes a row's sync status: only its error text and note.
    writeResults(
      table.sheet,
      answer.results.map((r) => ({ ...r, status: 'ok' as const })),
    );
    const bad = answer.results.filter((r) => r.status === 'failed').length;
    return {
      status: 'done',
      message:
        bad === 0
          ? `${answer.results.length} rows checked: no problems`
          : `${answer.results.length} rows checked: ${bad} need fixing (see qb_error)`,
      counts: countResults(answer.results),
    };
  });
}
