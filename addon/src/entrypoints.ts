/**
 * The add-on's public globals (design.md "Add-on globals"). Everything exported here becomes a top-level
 * function in Code.js; export nothing else. Menu handlers report with a toast; the sidebar's targets
 * return plain objects.
 */

import { runDueFlows } from './clock/flow-triggers';
import { logRun } from './clock/run-log';
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

/**
 * The hourly trigger: no UI. The flows' clock work first (it only starts jobs and waits a share of the
 * budget), then the sheet sync with what is left, so the run ends inside Apps Script's execution limit.
 * The sheet outcome is kept for the sidebar's last-run panel; the flows' land in the log tab.
 */
export function runScheduledSync(event?: unknown): RunSummary {
  const settings = readSettings();
  const deadline = Date.now() + settings.timeBudgetMs;
  try {
    runDueFlows(settings, event, settings.hourly ? Date.now() + settings.timeBudgetMs / 3 : deadline);
  } catch (error) {
    logRun(settings, {
      at: new Date(),
      flow: 'mis',
      outcome: 'failed',
      counts: '',
      details: `The scheduled run could not start: ${(error as Error).message}`,
      link: '',
    });
  }
  if (!settings.hourly) return { status: 'nothing', message: 'No hourly sheet sync (flows only)' };
  try {
    return runSync({ budgetMs: Math.max(0, deadline - Date.now()) });
  } catch (error) {
    const summary: RunSummary = { status: 'error', message: (error as Error).message };
    PropertiesService.getDocumentProperties().setProperty(
      prop.lastSync,
      JSON.stringify({ at: new Date().toISOString(), state: 'error', counts: {}, error: summary.message }),
    );
    return summary;
  }
}

export * from './panels/entrypoints';

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
  syncTriggers(s.autoSync, s.hourly || s.misEveryHours > 0 || s.zimbraMonthly);
  return {
    ok: true,
    message: `Saved${s.autoSync ? '; rows sync when their status becomes ready' : ''}${s.hourly ? '; hourly sync on' : ''}${
      s.misEveryHours > 0 ? `; MIS batch every ${s.misEveryHours} h` : ''
    }${s.zimbraMonthly ? `; Zimbra month on the 1st at ${s.zimbraHour}:00` : ''}`,
  };
}

export function getSettings(): ReturnType<typeof publicSettings> {
  return publicSettings(readSettings());
}

export function selectRow(rowId: string): { sheetRow: number } | { error: string } {
  return selectRowById(String(rowId));
}
