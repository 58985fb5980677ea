/** The add-on's menu under Extensions › qb-bridge. Item handlers are names of top-level entry points. */
export const menuItems: ReadonlyArray<{ label: string; handler: string }> = [
  { label: 'Open sidebar', handler: 'showSidebar' },
  { label: 'Sync ready rows', handler: 'syncReadyRows' },
  { label: 'Sync selected rows', handler: 'syncSelectedRows' },
  { label: 'Validate selected rows', handler: 'validateSelectedRows' },
  { label: 'Import QBR metrics', handler: 'importQbrMetrics' },
  { label: 'Settings', handler: 'showSettings' },
];

/** Menu only: works in every AuthMode, including NONE (no property, network or sheet access here). */
export function buildMenu(ui: GoogleAppsScript.Base.Ui): void {
  const menu = ui.createAddonMenu();
  for (const item of menuItems) menu.addItem(item.label, item.handler);
  menu.addToUi();
}
