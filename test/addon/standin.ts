import path from 'node:path';
import {
  type AppsScript,
  createAppsScript,
  type StandinOptions,
} from '../../gateway/src/sheets/standin/apps-script';
import type { Cell } from '../../gateway/src/sheets/standin/spreadsheet';
import { createSyncFetch, type SyncFetch } from '../../gateway/src/sheets/standin/sync-fetch';
import { repoRoot } from '../helpers/cli';
import type { Host } from './host';

export const bundleDir = path.join(repoRoot, 'dist/addon');

export interface Addon extends AppsScript {
  close(): Promise<void>;
}

let fetcher: SyncFetch | undefined;

/** The built add-on in node:vm, its UrlFetchApp routed to the host gateway, configured for hmac auth. */
export function loadAddon(
  host: Host,
  options: Partial<StandinOptions> & { properties?: Record<string, string> } = {},
): Addon {
  fetcher ??= createSyncFetch();
  const gas = createAppsScript({
    spreadsheetId: `sheet${Math.random().toString(36).slice(2, 10)}`,
    bundleDir,
    fetch: fetcher,
    allowUrls: [`${host.url}/`],
    sleepScale: 0.05,
    ...options,
  });
  for (const [k, v] of Object.entries({
    QB_BRIDGE_GATEWAY_URL: host.url,
    QB_BRIDGE_AUTH_MODE: 'hmac',
    QB_BRIDGE_ADDON_KEY: host.key,
    QB_BRIDGE_ELIGIBLE_STATUSES: 'ready,submitted',
    ...options.properties,
  })) {
    gas.properties.set(k, v);
  }
  return { ...gas, close: async () => undefined };
}

export async function closeFetcher(): Promise<void> {
  await fetcher?.close();
  fetcher = undefined;
}

/** A tab from a header row and data rows (objects keyed by header). */
export function fillSheet(
  gas: AppsScript,
  name: string,
  headers: string[],
  rows: Array<Record<string, Cell>>,
): void {
  const sheet = gas.spreadsheet.insertSheet(name);
  sheet.load([headers, ...rows.map((r) => headers.map((h) => r[h] ?? ''))]);
}

/** The tab as objects keyed by its live header row. */
export function readSheet(gas: AppsScript, name: string): Array<Record<string, Cell>> {
  const [headers, ...rows] = gas.sheet(name).values();
  return rows.map((r) => Object.fromEntries(headers!.map((h, i) => [String(h), r[i] ?? ''])));
}
