/**
 * The add-on's settings live in Document Properties (design.md): per spreadsheet, shared by its editors,
 * never in script properties (shared by every install) and never in the bundle. The add-on key is
 * write-only: the sidebar can replace it but never reads it back.
 */
import type { SyncMode } from '../../shared/src/sheets/columns';

export const prop = {
  gatewayUrl: 'QB_BRIDGE_GATEWAY_URL',
  authMode: 'QB_BRIDGE_AUTH_MODE',
  addonKey: 'QB_BRIDGE_ADDON_KEY',
  sheet: 'QB_BRIDGE_SHEET',
  eligibleStatuses: 'QB_BRIDGE_ELIGIBLE_STATUSES',
  syncMode: 'QB_BRIDGE_SYNC_MODE',
  autoSync: 'QB_BRIDGE_AUTO_SYNC',
  hourly: 'QB_BRIDGE_HOURLY_SYNC',
  lastJob: 'QB_BRIDGE_LAST_JOB',
  lastSync: 'QB_BRIDGE_LAST_SYNC',
  /** Milliseconds a run may spend waiting for a job before leaving the rest for the next run. */
  timeBudgetMs: 'QB_BRIDGE_TIME_BUDGET_MS',
  /** MIS batches from the clock: every N hours (0 = off), this many invoices each. */
  misEveryHours: 'QB_BRIDGE_MIS_EVERY_HOURS',
  misBatchSize: 'QB_BRIDGE_MIS_BATCH_SIZE',
  /** The Zimbra month from the clock: on the 1st, at this hour (spreadsheet time zone). */
  zimbraMonthly: 'QB_BRIDGE_ZIMBRA_MONTHLY',
  zimbraHour: 'QB_BRIDGE_ZIMBRA_HOUR',
  /** E-mail the installing user when a scheduled run fails (their own MailApp quota). */
  mailFailures: 'QB_BRIDGE_MAIL_FAILURES',
  /** Scheduled-run bookkeeping: jobs left running, the last MIS run, the last Zimbra month started. */
  pendingFlowJobs: 'QB_BRIDGE_PENDING_FLOW_JOBS',
  lastMisRun: 'QB_BRIDGE_LAST_MIS_RUN',
  lastZimbraMonth: 'QB_BRIDGE_LAST_ZIMBRA_MONTH',
} as const;

/** The intervals Apps Script's everyHours accepts; MIS runs at one of these. */
export const misIntervals = [0, 1, 2, 4, 6, 8, 12] as const;

export interface Settings {
  gatewayUrl: string;
  authMode: 'google' | 'hmac';
  addonKey: string;
  sheetName: string;
  eligibleStatuses: string[];
  syncMode: SyncMode | '';
  autoSync: boolean;
  hourly: boolean;
  timeBudgetMs: number;
  misEveryHours: number;
  misBatchSize: number;
  zimbraMonthly: boolean;
  zimbraHour: number;
  mailFailures: boolean;
}

/** What the sidebar may see: everything but the key (only whether one is set). */
export type PublicSettings = Omit<Settings, 'addonKey'> & { hasAddonKey: boolean };

function wholeIn(text: string | undefined, min: number, max: number): number | undefined {
  const n = Number(text ?? '');
  return text !== undefined && text !== '' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

export function readSettings(): Settings {
  const p = PropertiesService.getDocumentProperties().getProperties();
  return {
    gatewayUrl: (p[prop.gatewayUrl] ?? '').trim(),
    authMode: p[prop.authMode] === 'hmac' ? 'hmac' : 'google',
    addonKey: p[prop.addonKey] ?? '',
    sheetName: (p[prop.sheet] ?? '').trim() || 'inv_tbl',
    eligibleStatuses: (p[prop.eligibleStatuses] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    syncMode:
      p[prop.syncMode] === 'dual' ? 'dual' : p[prop.syncMode] === 'invoice_only' ? 'invoice_only' : '',
    autoSync: p[prop.autoSync] === 'true',
    hourly: p[prop.hourly] === 'true',
    timeBudgetMs: Number(p[prop.timeBudgetMs] ?? '') > 0 ? Number(p[prop.timeBudgetMs]) : 270_000,
    misEveryHours: (misIntervals as readonly number[]).includes(Number(p[prop.misEveryHours]))
      ? Number(p[prop.misEveryHours])
      : 0,
    misBatchSize: wholeIn(p[prop.misBatchSize], 1, 100) ?? 50,
    zimbraMonthly: p[prop.zimbraMonthly] === 'true',
    zimbraHour: wholeIn(p[prop.zimbraHour], 0, 23) ?? 6,
    mailFailures: p[prop.mailFailures] === 'true',
  };
}

export function publicSettings(s: Settings): PublicSettings {
  const { addonKey, ...rest } = s;
  return { ...rest, hasAddonKey: addonKey !== '' };
}

export interface SettingsForm {
  gatewayUrl?: string;
  authMode?: string;
  addonKey?: string;
  sheetName?: string;
  eligibleStatuses?: string;
  syncMode?: string;
  autoSync?: boolean;
  hourly?: boolean;
  misEveryHours?: number | string;
  misBatchSize?: number | string;
  zimbraMonthly?: boolean;
  zimbraHour?: number | string;
  mailFailures?: boolean;
}

/** Checks the form; returns the sentence to show when something must change. */
export function checkSettingsForm(form: SettingsForm): string | undefined {
  const url = (form.gatewayUrl ?? '').trim();
  if (
    url !== '' &&
    !/^https:\/\/[^/\s]+\/?\S*$/.test(url) &&
    !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/\S*)?$/.test(url)
  ) {
    return 'The gateway URL must start with https:// (for example https://qb-bridge.example.com)';
  }
  if (form.authMode && form.authMode !== 'google' && form.authMode !== 'hmac')
    return 'Auth mode must be google or hmac';
  if (form.addonKey && !/^qbb_[a-z0-9]{8,32}\.[A-Za-z0-9_-]{32,128}$/.test(form.addonKey.trim())) {
    return 'That is not an add-on key; run `qb-bridge addon-key` on the gateway and paste the whole line (qbb_…)';
  }
  if (form.syncMode && form.syncMode !== 'invoice_only' && form.syncMode !== 'dual') {
    return 'Sync mode must be invoice_only or dual';
  }
  if (
    form.misEveryHours !== undefined &&
    !(misIntervals as readonly number[]).includes(Number(form.misEveryHours))
  ) {
    return `MIS batches run every ${misIntervals.filter((n) => n > 0).join(', ')} hours (or 0 for off)`;
  }
  if (form.misBatchSize !== undefined && wholeIn(String(form.misBatchSize), 1, 100) === undefined)
    return 'The MIS batch size is a whole number from 1 to 100';
  if (form.zimbraHour !== undefined && wholeIn(String(form.zimbraHour), 0, 23) === undefined)
    return 'The Zimbra hour is a whole number from 0 to 23';
  return undefined;
}

export function writeSettings(form: SettingsForm): void {
  const props = PropertiesService.getDocumentProperties();
  const values: Record<string, string> = {};
  if (form.gatewayUrl !== undefined) values[prop.gatewayUrl] = form.gatewayUrl.trim().replace(/\/+$/, '');
  if (form.authMode !== undefined) values[prop.authMode] = form.authMode;
  if (form.addonKey) values[prop.addonKey] = form.addonKey.trim();
  if (form.sheetName !== undefined) values[prop.sheet] = form.sheetName.trim() || 'inv_tbl';
  if (form.eligibleStatuses !== undefined) values[prop.eligibleStatuses] = form.eligibleStatuses;
  if (form.syncMode !== undefined) values[prop.syncMode] = form.syncMode;
  if (form.autoSync !== undefined) values[prop.autoSync] = String(form.autoSync);
  if (form.hourly !== undefined) values[prop.hourly] = String(form.hourly);
  if (form.misEveryHours !== undefined) values[prop.misEveryHours] = String(Number(form.misEveryHours));
  if (form.misBatchSize !== undefined) values[prop.misBatchSize] = String(Number(form.misBatchSize));
  if (form.zimbraMonthly !== undefined) values[prop.zimbraMonthly] = String(form.zimbraMonthly);
  if (form.zimbraHour !== undefined) values[prop.zimbraHour] = String(Number(form.zimbraHour));
  if (form.mailFailures !== undefined) values[prop.mailFailures] = String(form.mailFailures);
  props.setProperties(values);
}
