/**
 * Installable triggers, created only from a user action (the settings form), at most one of each kind
 * per user and document (Google's limit for add-ons), found again by handler name before creating.
 * The names `onEditInstalled` and `runScheduledSync` are stored inside users' triggers: never rename them.
 * The one time-driven trigger runs hourly whenever any clock work is on: the hourly sheet sync, MIS
 * batches every N hours, the Zimbra month on the 1st (clock/flow-triggers.ts decides what is due each fire).
 */
export const editHandler = 'onEditInstalled';
export const hourlyHandler = 'runScheduledSync';

export function syncTriggers(autoSync: boolean, hourly: boolean): { edit: boolean; hourly: boolean } {
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  const mine = ScriptApp.getUserTriggers(ss);
  const want: Record<string, boolean> = { [editHandler]: autoSync, [hourlyHandler]: hourly };
  for (const [handler, on] of Object.entries(want)) {
    const existing = mine.filter((t) => t.getHandlerFunction() === handler);
    if (!on) {
      for (const t of existing) ScriptApp.deleteTrigger(t);
      continue;
    }
    for (const t of existing.slice(1)) ScriptApp.deleteTrigger(t);
    if (existing.length > 0) continue;
    if (handler === editHandler) ScriptApp.newTrigger(editHandler).forSpreadsheet(ss).onEdit().create();
    else ScriptApp.newTrigger(hourlyHandler).timeBased().everyHours(1).create();
  }
  return { edit: autoSync, hourly };
}
