import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../app/context';
import { openQbo } from '../qbo/index';
import { setCosMapping, setDomainMapping } from './mappings';
import { formatReport, reportFileName, snapshotDates } from './report/format-report';
import { type Period, periodKey, previousMonth } from './report/highwater';
import { runMonthlyBilling } from './service';

/**
 * The demo's Zimbra month: sample reports for the previous month in a local folder (the local-folder
 * source, so no Zimbra server is needed), a few domains and CoS mapped to the emulator's seeded customers
 * and items, one domain left unmapped (it shows up in /api/zimbra/unmapped), and one non-interactive run.
 */

const sampleDomains: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, number]>]> = [
  [
    'amysbirds.com',
    [
      ['standard-5gb', 6],
      ['premium-50gb', 1],
    ],
  ],
  ['mail.amysbirds.com', [['standard-5gb', 2]]],
  [
    'coolcars.net',
    [
      ['standard-5gb', 14],
      ['premium-50gb', 3],
    ],
  ],
  ['dukesbasketball.org', [['standard-5gb', 9]]],
  ['contest.com', [['standard-5gb', 4]]],
  ['qa-lab.test', [['standard-5gb', 30]]],
  ['newclient.io', [['standard-5gb', 5]]],
];

export function writeSampleReports(dir: string, period: Period): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const dates = snapshotDates(period.year, period.month);
  dates.forEach((date, week) => {
    // Counts move a little from week to week, so the high-water mark is not simply the last snapshot.
    const usage = sampleDomains.map(
      ([domain, cos]) =>
        [domain, cos.map(([name, n]) => [name, Math.max(0, n + ((week * 3 + n) % 3) - 1)] as const)] as const,
    );
    const file = path.join(dir, reportFileName(date));
    fs.writeFileSync(file, formatReport(date, usage));
    written.push(file);
  });
  return written;
}

export interface ZimbraDemo {
  period: string;
  reportDir: string;
  invoices: number;
  totalCents: number;
  unmapped: string[];
  excelPath: string | null;
}

export async function playZimbraDemo(ctx: AppContext, now = new Date()): Promise<ZimbraDemo> {
  const period = previousMonth(now);
  const reportDir = path.resolve(ctx.config.ZIMBRA_REPORT_PATH);
  writeSampleReports(reportDir, period);
  const { client } = openQbo(ctx);
  const customers = await client.queryAll<Record<string, unknown>>('Customer', 'Active = true');
  const items = await client.queryAll<Record<string, unknown>>('Item', "Type = 'Service'");
  const customer = (name: string) => String(customers.find((c) => c.DisplayName === name)?.Id ?? '');
  const item = (name: string) => String(items.find((i) => i.Name === name)?.Id ?? '');
  const map: Array<[string, string]> = [
    ['amysbirds.com', customer("Amy's Bird Sanctuary")],
    ['mail.amysbirds.com', customer("Amy's Bird Sanctuary")],
    ['coolcars.net', customer('Cool Cars')],
    ['dukesbasketball.org', customer('Dukes Basketball Camp')],
    ['contest.com', customer('Diego Rodriguez')],
  ];
  for (const [domain, id] of map)
    if (id) await setDomainMapping(ctx, client, domain, { customerId: id }, 'demo');
  if (item('Email Hosting'))
    await setCosMapping(ctx, client, 'standard-5gb', { itemId: item('Email Hosting') }, 'demo');
  if (item('Storage 50GB'))
    await setCosMapping(ctx, client, 'premium-50gb', { itemId: item('Storage 50GB') }, 'demo');
  const { summary } = await runMonthlyBilling(ctx, { period, actor: 'demo' });
  const s = summary as {
    invoices: { success_count: number; total_amount_cents: number };
    reconciliation: { items: Array<{ name: string }> };
    reports: { excel_path: string | null };
  };
  return {
    period: periodKey(period),
    reportDir,
    invoices: s.invoices.success_count,
    totalCents: s.invoices.total_amount_cents,
    unmapped: s.reconciliation.items.map((i) => i.name),
    excelPath: s.reports.excel_path,
  };
}
