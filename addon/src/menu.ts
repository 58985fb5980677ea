/** The add-on's menu under Extensions › qb-bridge. Item handlers are names of top-level entry points. */
export const menuItems: ReadonlyArray<{ label: string; handler: string }> = [
  { label: 'Open sidebar', handler: 'showSidebar' },
];

export function buildMenu(ui: GoogleAppsScript.Base.Ui): void {
  const menu = ui.createAddonMenu();
  for (const item of menuItems) menu.addItem(item.label, item.handler);
  menu.addToUi();
}
