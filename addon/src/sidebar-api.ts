/**
 * What the sidebar asks the server for (its `google.script.run` targets): the state card, progress of a
 * running job, selecting a row from an error link, saving settings. Arguments and answers are plain data.
 */
import { headerKey } from '../../shared/src/sheets/columns';
import type { JobView, StatusView } from '../../shared/src/sheets/contract';
import { callGateway } from './gateway';
import { type PublicSettings, prop, publicSettings, readSettings } from './settings';
import { lastJob, resumeLastJob, targetSheet } from './sync';
import { readTable } from './table';

export interface SidebarState {
  settings: PublicSettings;
  configured: boolean;
  gateway: { reachable: boolean; message: string | null };
  quickbooks: { companyName: string | null; reconnectNeeded: boolean; message: string | null } | null;
  counts: Record<string, number>;
  errors: Array<{ rowId: string; sheetRow: number; message: string }>;
  job: { id: string; state: string; done: number; failed: number; total: number | null } | null;
  lastSync: { at: string; state: string; counts: Record<string, number> } | null;
  /** The panels to show: the gateway reports each flow configured. */
  flows: { mis: boolean; zimbra: boolean; qbwc: boolean };
}

export function sidebarState(): SidebarState {
  const settings = readSettings();
  const state: SidebarState = {
    settings: publicSettings(settings),
    configured: settings.gatewayUrl !== '',
    gateway: { reachable: false, message: null },
    quickbooks: null,
    counts: {},
    errors: [],
    job: null,
    lastSync: null,
    flows: { mis: false, zimbra: false, qbwc: false },
  };
  if (state.configured) {
    try {
      const status = callGateway<StatusView>(
        settings,
        'get',
        `/api/sheets/status?spreadsheetId=${encodeURIComponent(SpreadsheetApp.getActiveSpreadsheet().getId())}`,
      );
      state.gateway.reachable = true;
      // An older gateway does not report flows: no panels rather than broken ones.
      if (status.flows) state.flows = status.flows;
      state.quickbooks = {
        companyName: status.quickbooks.companyName,
        reconnectNeeded: status.quickbooks.reconnectNeeded,
        message: status.quickbooks.message,
      };
      // A job an earlier run left running: collect what it has so far (a short look, not a wait) — unless a
      // run holds the lock, which writes its own results; then only its progress is read.
      const lock = LockService.getDocumentLock();
      let view: JobView | undefined;
      if (lock?.tryLock(100)) {
        try {
          view = resumeLastJob(settings, Date.now());
        } finally {
          lock.releaseLock();
        }
      } else {
        const job = lastJob();
        if (job)
          view = callGateway<JobView>(settings, 'get', `/api/sheets/jobs/${encodeURIComponent(job.id)}`);
      }
      if (view)
        state.job = {
          id: view.id,
          state: view.state,
          done: view.done,
          failed: view.failed,
          total: view.total,
        };
    } catch (error) {
      state.gateway.message = (error as Error).message;
    }
  }
  try {
    const table = readTable(targetSheet(settings));
    const statusCol = table.index.get('qb_sync_status');
    const errorCol = table.index.get('qb_error');
    const idCol = table.index.get('qb_row_id');
    table.rows.forEach((row, i) => {
      if (row.every((v) => v === '' || v === null)) return;
      const status = statusCol === undefined ? '' : headerKey(row[statusCol]);
      const key = status || 'not synced';
      state.counts[key] = (state.counts[key] ?? 0) + 1;
      const message = errorCol === undefined ? '' : String(row[errorCol] ?? '').trim();
      if (message !== '' && state.errors.length < 100 && idCol !== undefined) {
        state.errors.push({ rowId: String(row[idCol] ?? ''), sheetRow: i + 2, message });
      }
    });
  } catch (error) {
    state.gateway.message ??= (error as Error).message;
  }
  const last = PropertiesService.getDocumentProperties().getProperty(prop.lastSync);
  if (last) {
    try {
      state.lastSync = JSON.parse(last) as SidebarState['lastSync'];
    } catch {
      state.lastSync = null;
    }
  }
  return state;
}

/** Selects the row that now carries `rowId` (it may have moved since the sidebar listed it). */
export function selectRowById(rowId: string): { sheetRow: number } | { error: string } {
  const settings = readSettings();
  const sheet = targetSheet(settings);
  const table = readTable(sheet);
  const idCol = table.index.get('qb_row_id');
  const at = idCol === undefined ? -1 : table.rows.findIndex((r) => String(r[idCol] ?? '') === rowId);
  if (at < 0) return { error: 'That row is no longer in the sheet' };
  sheet.activate();
  sheet.setActiveRange(sheet.getRange(at + 2, 1, 1, Math.max(1, table.headers.length)));
  return { sheetRow: at + 2 };
}
