/**
 * The add-on's public globals (design.md "Add-on globals"). Everything exported here becomes a top-level
 * function in Code.js; export nothing else. Menu handlers report with a toast; the sidebar's targets
 * return plain objects.
 */
import { buildMenu } from './menu';
import { handleEdit } from './on-edit';
import { importMetrics, monthsBack } from './qbr';
import {
  checkSettingsForm,
  prop,
  publicSettings,
  readSettings,
  type SettingsForm,
  writeSettings,
} from './settings';
import { type SidebarState, selectRowById, sidebarState } from './sidebar-api';
import { type RunSummary, runSync, runValidate } from './sync';
import { syncTriggers } from './triggers';

function report(summary: RunSummary | { status: string; message: string }): void {
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  if (ss) ss.toast(summary.message, 'qb-bridge', 10);
}

function guarded(work: () => RunSummary): RunSummary {
  try {
    const summary = work();
    report(summary);
    return summary;
  } catch (error) {
    const summary: RunSummary = { status: 'error', message: (error as Error).message };
    report(summary);
    return summary;
  }
}

/** Rows of the current selection (all ranges of a multi-selection), as 1-based sheet rows. */
function selectedRows(): Set<number> {
  const rows = new Set<number>();
  const list = SpreadsheetApp.getActiveSpreadsheet().getActiveRangeList();
  for (const range of list ? list.getRanges() : []) {
    for (let r = range.getRow(); r < range.getRow() + range.getNumRows(); r++) if (r >= 2) rows.add(r);
  }
  return rows;
}

export function onOpen(_event?: GoogleAppsScript.Events.SheetsOnOpen): void {
  buildMenu(SpreadsheetApp.getUi());
}

export function onInstall(event?: GoogleAppsScript.Events.AddonOnInstall): void {
  onOpen(event as unknown as GoogleAppsScript.Events.SheetsOnOpen);
}

export function showSidebar(): void {
  const html = HtmlService.createHtmlOutputFromFile('Sidebar').setTitle('qb-bridge');
  SpreadsheetApp.getUi().showSidebar(html);
}

export function showSettings(): void {
  showSidebar();
}

export function syncReadyRows(): RunSummary {
  return guarded(() => runSync({}));
}

export function syncSelectedRows(): RunSummary {
  return guarded(() => {
    const rows = selectedRows();
    if (rows.size === 0) return { status: 'nothing', message: 'Select the rows to sync first' };
    return runSync({ rows });
  });
}

export function validateSelectedRows(): RunSummary {
  return guarded(() => {
    const rows = selectedRows();
    return runValidate(rows.size > 0 ? rows : undefined);
  });
}

/** The hourly trigger: no UI; the outcome is kept for the sidebar's last-run panel. */
export function runScheduledSync(_event?: unknown): RunSummary {
  try {
    return runSync({});
  } catch (error) {
    const summary: RunSummary = { status: 'error', message: (error as Error).message };
    PropertiesService.getDocumentProperties().setProperty(
      prop.lastSync,
      JSON.stringify({ at: new Date().toISOString(), state: 'error', counts: {}, error: summary.message }),
    );
    return summary;
  }
}

export function onEditInstalled(event?: GoogleAppsScript.Events.SheetsOnEdit): void {
  try {
    handleEdit(event);
  } catch (error) {
    PropertiesService.getDocumentProperties().setProperty(
      prop.lastSync,
      JSON.stringify({
        at: new Date().toISOString(),
        state: 'error',
        counts: {},
        error: (error as Error).message,
      }),
    );
  }
}

export function importQbrMetrics(from?: string, to?: string): { status: string; message: string } {
  try {
    const range = from && to ? { from, to } : monthsBack(new Date(), 12);
    const result = importMetrics(readSettings(), range.from, range.to);
    const summary = {
      status: 'done',
      message: `QBR metrics ${range.from}..${range.to}: ${result.months} months, ${result.metrics} metrics in the qbr_metrics tab`,
    };
    report(summary);
    return summary;
  } catch (error) {
    const summary = { status: 'error', message: (error as Error).message };
    report(summary);
    return summary;
  }
}

export function getSidebarState(): SidebarState {
  return sidebarState();
}

export function saveSettings(form: SettingsForm): { ok: boolean; message: string } {
  const problem = checkSettingsForm(form ?? {});
  if (problem) return { ok: false, message: problem };
  writeSettings(form);
  const s = readSettings();
  syncTriggers(s.autoSync, s.hourly);
  return {
    ok: true,
    message: `Saved${s.autoSync ? '; rows sync when their status becomes ready' : ''}${s.hourly ? '; hourly sync on' : ''}`,
  };
}

export function getSettings(): ReturnType<typeof publicSettings> {
  return publicSettings(readSettings());
}

export function selectRow(rowId: string): { sheetRow: number } | { error: string } {
  return selectRowById(String(rowId));
}
