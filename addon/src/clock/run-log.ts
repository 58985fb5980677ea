/**
 * The `qb_bridge_log` tab: one row per scheduled run (time, flow, outcome, counts, details, link), appended
 * with one setValues. A failed run also e-mails the installing user when they opted in — through the
 * add-on's own MailApp quota, never the gateway — and says so in the row when the quota is spent.
 */
import type { Settings } from '../settings';

export const logTab = 'qb_bridge_log';
export const logHeaders = ['time', 'flow', 'outcome', 'counts', 'details', 'link'];

export interface RunLogEntry {
  at: Date;
  flow: 'mis' | 'zimbra' | 'sheets';
  outcome: 'done' | 'partial' | 'failed' | 'running' | 'skipped';
  counts: string;
  details: string;
  link: string;
}

function mailFailure(entry: RunLogEntry): string {
  if (MailApp.getRemainingDailyQuota() < 1) return ' (no e-mail: the daily MailApp quota is spent)';
  const to = Session.getEffectiveUser().getEmail();
  if (!to) return ' (no e-mail: the installing user has no address)';
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  MailApp.sendEmail({
    to,
    subject: `qb-bridge: the scheduled ${entry.flow} run failed`,
    body: [
      `The scheduled ${entry.flow} run of ${entry.at.toISOString()} failed.`,
      '',
      entry.details,
      entry.counts ? `Counts: ${entry.counts}` : '',
      entry.link ? `Details: ${entry.link}` : '',
      '',
      `Spreadsheet: ${ss.getUrl()} (tab ${logTab})`,
    ].join('\n'),
  });
  return ` (e-mailed ${to})`;
}

export function logRun(settings: Settings, entry: RunLogEntry): void {
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  let tab = ss.getSheetByName(logTab);
  if (!tab) {
    tab = ss.insertSheet(logTab);
    tab.getRange(1, 1, 1, logHeaders.length).setValues([logHeaders]);
  }
  let details = entry.details;
  if ((entry.outcome === 'failed' || entry.outcome === 'partial') && settings.mailFailures) {
    try {
      details += mailFailure(entry);
    } catch (error) {
      details += ` (e-mail failed: ${(error as Error).message})`;
    }
  }
  const row = Math.max(2, tab.getLastRow() + 1);
  tab
    .getRange(row, 1, 1, logHeaders.length)
    .setValues([[entry.at, entry.flow, entry.outcome, `'${entry.counts}`, `'${details}`, `'${entry.link}`]]);
}
