/**
 * The add-on's public globals. Everything exported here becomes a top-level function in Code.js; export
 * nothing else. The sidebar and sync entry points arrive with the add-on issue.
 */
import { buildMenu } from './menu';

export function onOpen(_event?: GoogleAppsScript.Events.SheetsOnOpen): void {
  buildMenu(SpreadsheetApp.getUi());
}

export function onInstall(event?: GoogleAppsScript.Events.AddonOnInstall): void {
  onOpen(event as unknown as GoogleAppsScript.Events.SheetsOnOpen);
}

export function showSidebar(): void {
  const html = HtmlService.createHtmlOutput(
    '<p>qb-bridge: the sidebar arrives with the add-on release.</p>',
  ).setTitle('qb-bridge');
  SpreadsheetApp.getUi().showSidebar(html);
}
