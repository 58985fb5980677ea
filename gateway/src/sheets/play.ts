import fs from 'node:fs';
import { createAppsScript } from './standin/apps-script';
import { parseCsv } from './standin/csv';
import { createSyncFetch } from './standin/sync-fetch';

/**
 * `qb-bridge sheets play`: the built add-on bundle, in the Apps Script stand-ins, syncing a CSV-loaded
 * `inv_tbl` against a running gateway — what a person sees in Google Sheets, without Google. The sheet is
 * printed afterwards with its `qb_*` columns.
 */
export interface PlayOptions {
  csv: string;
  url: string;
  key: string;
  bundleDir: string;
  sheetName?: string;
  mode?: 'invoice_only' | 'dual';
  statuses?: string;
}

export interface PlayOutcome {
  summary: { status: string; message: string };
  headers: string[];
  rows: string[][];
  rangeCalls: { reads: number; writes: number };
}

export async function playSheet(options: PlayOptions): Promise<PlayOutcome> {
  const grid = parseCsv(fs.readFileSync(options.csv, 'utf8'));
  if (grid.length < 2) throw new Error(`${options.csv} has no data rows`);
  const fetcher = createSyncFetch();
  try {
    const gas = createAppsScript({
      spreadsheetId: 'sheets-play-demo',
      bundleDir: options.bundleDir,
      fetch: fetcher,
      allowUrls: [`${options.url.replace(/\/+$/, '')}/`],
      sleepScale: 0.2,
    });
    const sheetName = options.sheetName ?? 'inv_tbl';
    gas.spreadsheet.insertSheet(sheetName).load(grid);
    for (const [k, v] of Object.entries({
      QB_BRIDGE_GATEWAY_URL: options.url.replace(/\/+$/, ''),
      QB_BRIDGE_AUTH_MODE: 'hmac',
      QB_BRIDGE_ADDON_KEY: options.key,
      QB_BRIDGE_SHEET: sheetName,
      QB_BRIDGE_SYNC_MODE: options.mode ?? 'dual',
      QB_BRIDGE_ELIGIBLE_STATUSES: options.statuses ?? 'submitted,pending,ready',
    })) {
      gas.properties.set(k, v);
    }
    gas.run('onOpen', { authMode: 'FULL' });
    const summary = gas.run<{ status: string; message: string }>('syncReadyRows');
    const [headers, ...rows] = gas.sheet(sheetName).values();
    return {
      summary,
      headers: headers!.map(String),
      rows: rows.map((r) => r.map((c) => (c instanceof Date ? c.toISOString().slice(0, 10) : String(c)))),
      rangeCalls: { ...gas.spreadsheet.stats },
    };
  } finally {
    await fetcher.close();
  }
}

/** The sheet as a person would look at it: the identifying columns and every qb_* column, as aligned text. */
export function renderSheet(outcome: PlayOutcome): string {
  const wanted = ['invoice', 'to_client', 'inv_from', 'inv_dollars', 'status'];
  const cols = outcome.headers
    .map((h, i) => [h, i] as const)
    .filter(([h]) => wanted.includes(h) || (h.startsWith('qb_') && h !== 'qb_row_id'));
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const table = [
    cols.map(([h]) => h),
    ...outcome.rows.map((r) =>
      cols.map(([h, i]) => cut(r[i] ?? '', h === 'qb_error' || h === 'qb_bill_error' ? 70 : 48)),
    ),
  ];
  const widths = cols.map((_, j) => Math.max(...table.map((r) => r[j]!.length)));
  return table
    .map((r) =>
      r
        .map((c, j) => c.padEnd(widths[j]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
