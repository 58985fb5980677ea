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
} as const;

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
}

/** What the sidebar may see: everything but the key (only whether one is set). */
export type PublicSettings = Omit<Settings, 'addonKey'> & { hasAddonKey: boolean };

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
  props.setProperties(values);
}
