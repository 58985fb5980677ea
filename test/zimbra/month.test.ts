import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQbo } from '../../gateway/src/qbo/index';
import { undoMonth } from '../../gateway/src/zimbra/invoices';
import { setCosMapping, setDomainMapping } from '../../gateway/src/zimbra/mappings';
import { runMonthlyBilling } from '../../gateway/src/zimbra/service';
import {
  customerIdOf,
  invoicesOf,
  itemIdOf,
  startZimbraHarness,
  writeReport,
  type ZimbraHarness,
} from './helpers';

let h: ZimbraHarness;
const period = { year: 2025, month: 10 };

beforeEach(async () => {
  h = await startZimbraHarness();
  // A month of snapshots (+ the neighbouring weeks, which must not count).
  const month = (day: string, std: number, pro: number) =>
    writeReport(h.reportDir, `2025-10-${day}`, [
      [
        'a.com',
        [
          ['std-5gb', std],
          ['pro-50gb', pro],
        ],
      ],
      ['mail.a.com', [['std-5gb', 2]]],
      ['b.org', [['std-5gb', 3]]],
      ['contest.com', [['std-5gb', 1]]],
      ['qa.test', [['std-5gb', 9]]],
      ['late.net', [['std-5gb', 4]]],
      ['b-late.org', [['std-5gb', 6]]],
    ]);
  month('07', 10, 1);
  month('14', 12, 2);
  month('21', 11, 2);
  month('28', 12, 1);
  writeReport(h.reportDir, '2025-09-28', [['a.com', [['std-5gb', 500]]]]);
  writeReport(h.reportDir, '2025-11-07', [['a.com', [['std-5gb', 600]]]]);
});
afterEach(async () => {
  await h.close();
});

const amy = () => customerIdOf(h.emulator, h.realm, "Amy's Bird Sanctuary");
const cool = () => customerIdOf(h.emulator, h.realm, 'Cool Cars');
const dukes = () => customerIdOf(h.emulator, h.realm, 'Dukes Basketball Camp');

async function mapBasics() {
  const { client } = openQbo(h.ctx);
  await setDomainMapping(h.ctx, client, 'a.com', { customerId: amy() }, 'test');
  await setDomainMapping(h.ctx, client, 'mail.a.com', { customerId: amy() }, 'test');
  await setDomainMapping(h.ctx, client, 'b.org', { customerId: cool() }, 'test');
  await setDomainMapping(h.ctx, client, 'contest.com', { customerId: dukes() }, 'test');
  await setCosMapping(
    h.ctx,
    client,
    'std-5gb',
    { itemId: itemIdOf(h.emulator, h.realm, 'Email Hosting') },
    'test',
  );
  await setCosMapping(
    h.ctx,
    client,
    'pro-50gb',
    { itemId: itemIdOf(h.emulator, h.realm, 'Storage 50GB') },
    'test',
  );
}

const run = (extra: Partial<Parameters<typeof runMonthlyBilling>[1]> = {}) =>
  runMonthlyBilling(h.ctx, { period, actor: 'test', reportDir: h.dataDir, ...extra });

type Summary = {
  invoices: {
    total_count: number;
    created_count: number;
    existing_count: number;
    updated_count: number;
    total_amount_cents: number;
    total_amount: number;
    lines_not_added: unknown[];
  };
  reconciliation: {
    skipped_domains: number;
    skipped_cos: number;
    items: Array<{ name: string; suggestion?: string }>;
  };
  reports: { excel_path: string };
  status: string;
};

const cents = (n: unknown) => Math.round(Number(n) * 100);
const totalInQbo = () => invoicesOf(h.emulator, h.realm).reduce((s, i) => s + cents(i.TotalAmt), 0);

describe('a Zimbra month against the QuickBooks emulator', () => {
  it('bills a month, re-runs without duplicates, adds a late domain, leaves a sent invoice alone, undoes', async () => {
    await mapBasics();
    const json = `${h.dataDir}/out/summary.json`;
    const first = await run({ jsonOutput: json });
    const s1 = first.summary as Summary;
    expect(first.exitCode).toBe(0);
    expect(s1.status).toBe('success');
    expect(s1.invoices.created_count).toBe(3);
    // Unmapped domains are skipped and reported, with the sibling suggestion; *.test is excluded by default,
    // contest.com is not (the seed's *test* excluded it).
    expect(s1.reconciliation.items.map((i) => i.name).sort()).toEqual(['b-late.org', 'late.net']);
    expect(s1.reconciliation.skipped_domains).toBe(2);
    expect(JSON.parse(fs.readFileSync(json, 'utf8')).invoices.total_amount_cents).toBe(
      s1.invoices.total_amount_cents,
    );

    const invoices = invoicesOf(h.emulator, h.realm);
    expect(invoices).toHaveLength(3);
    const amyInvoice = invoices.find((i) => (i.CustomerRef as { value: string }).value === amy())!;
    expect(amyInvoice.DocNumber).toBe(`ZB202510-${amy()}`);
    expect(amyInvoice.TxnDate).toBe('2025-11-01');
    expect(amyInvoice.EmailStatus).toBe('NotSet');
    expect((amyInvoice.CustomerMemo as { value: string }).value).toBe('Zimbra Email Services - October 2025');
    const lines = (
      amyInvoice.Line as Array<{
        DetailType: string;
        Description: string;
        Amount: number;
        SalesItemLineDetail: { Qty: number };
      }>
    ).filter((l) => l.DetailType === 'SalesItemLineDetail');
    expect(lines.map((l) => [l.Description, l.SalesItemLineDetail.Qty, l.Amount])).toEqual([
      ['a.com - pro-50gb (50GB)', 2, 24.5],
      ['a.com - std-5gb (5GB)', 12, 54],
      ['mail.a.com - std-5gb (5GB)', 2, 9],
    ]);
    // 24.50 + 54 + 9 = 87.50; Cool Cars 3 × 4.50 = 13.50; Dukes 4.50
    expect(s1.invoices.total_amount_cents).toBe(8750 + 1350 + 450);
    expect(totalInQbo()).toBe(s1.invoices.total_amount_cents);

    // The Excel report, cell by cell.
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(s1.reports.excel_path);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Summary', 'Details', 'Usage']);
    const summary = book.getWorksheet('Summary')!;
    expect(summary.getCell('A1').value).toBe('Zimbra Billing Report - October 2025');
    expect(summary.getCell('B4').value).toBe('2025-10');
    expect(String(summary.getCell('B5').value)).toMatch(/QuickBooks item prices read/);
    expect(summary.getCell('B7').value).toBe(3);
    expect(summary.getCell('B9').value).toBe(105.5);
    expect(summary.getCell('B9').numFmt).toBe('"$"#,##0.00');
    expect(summary.getRow(11).values).toEqual([
      undefined,
      'Customer',
      'QuickBooks Id',
      'Invoice',
      'Status',
      'Lines',
      'Total Accounts',
      'Total Amount',
    ]);
    expect(summary.getRow(12).values).toEqual([
      undefined,
      "Amy's Bird Sanctuary",
      amy(),
      `ZB202510-${amy()}`,
      'draft',
      3,
      16,
      87.5,
    ]);
    expect(summary.getRow(15).getCell(1).value).toBe('TOTAL');
    expect(summary.getRow(15).getCell(7).value).toBe(105.5);
    expect(summary.views[0]).toMatchObject({ state: 'frozen', ySplit: 11 });
    const details = book.getWorksheet('Details')!;
    expect(details.getRow(2).values).toEqual([
      undefined,
      "Amy's Bird Sanctuary",
      'a.com',
      'pro-50gb',
      50,
      2,
      '2025-10-14',
      'Storage 50GB',
      12.25,
      24.5,
      `ZB202510-${amy()}`,
      'draft',
    ]);
    expect(details.getRow(2).getCell(9).numFmt).toBe('"$"#,##0.00');
    expect(details.autoFilter).toBeTruthy();
    const usage = book.getWorksheet('Usage')!;
    expect(usage.getRow(1).values).toEqual([
      undefined,
      'Domain',
      'CoS',
      'Customer',
      'Status',
      '2025-10-07',
      '2025-10-14',
      '2025-10-21',
      '2025-10-28',
      'High-water',
      'Peak Date',
    ]);
    const aStd = usage
      .getRows(2, usage.rowCount - 1)!
      .find((r) => r.getCell(1).value === 'a.com' && r.getCell(2).value === 'std-5gb')!;
    expect(aStd.values).toEqual([
      undefined,
      'a.com',
      'std-5gb',
      "Amy's Bird Sanctuary",
      'billable',
      10,
      12,
      11,
      12,
      12,
      '2025-10-14',
    ]);

    // Re-run: nothing new.
    const second = await run();
    expect((second.summary as Summary).invoices.created_count).toBe(0);
    expect((second.summary as Summary).invoices.existing_count).toBe(3);
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(3);

    // Cool Cars' invoice is sent; then late.net (→ Amy) and b-late.org (→ Cool Cars) get mapped.
    const coolInvoice = invoicesOf(h.emulator, h.realm).find(
      (i) => (i.CustomerRef as { value: string }).value === cool(),
    )!;
    h.emulator.create(h.realm, 'Invoice', {
      ...coolInvoice,
      EmailStatus: 'EmailSent',
      BillEmail: { Address: 'ap@coolcars.example' },
      sparse: true,
    });
    const { client } = openQbo(h.ctx);
    await setDomainMapping(h.ctx, client, 'late.net', { customerId: amy() }, 'test');
    await setDomainMapping(h.ctx, client, 'b-late.org', { customerId: cool() }, 'test');
    const third = await run();
    const s3 = third.summary as Summary;
    expect(s3.invoices.created_count).toBe(0);
    expect(s3.invoices.updated_count).toBe(1);
    expect(s3.invoices.lines_not_added).toEqual([
      expect.objectContaining({
        domain: 'b-late.org',
        cos: 'std-5gb',
        amount: 27,
        reason: expect.stringMatching(/sent/),
      }),
    ]);
    const amyAfter = invoicesOf(h.emulator, h.realm).find((i) => i.Id === amyInvoice.Id)!;
    expect(cents(amyAfter.TotalAmt)).toBe(8750 + 1800);
    expect(totalInQbo()).toBe(s3.invoices.total_amount_cents);
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(3);
    // Again: the late line is there once.
    await run();
    expect(cents(invoicesOf(h.emulator, h.realm).find((i) => i.Id === amyInvoice.Id)!.TotalAmt)).toBe(10550);

    // Undo: the unsent drafts go, the sent one stays.
    const undone = await undoMonth(h.ctx, openQbo(h.ctx), period, { actor: 'test' });
    expect(undone.map((u) => [u.customerId, u.outcome]).sort()).toEqual(
      [
        [amy(), 'deleted'],
        [cool(), 'kept'],
        [dukes(), 'deleted'],
      ].sort(),
    );
    expect(invoicesOf(h.emulator, h.realm).map((i) => i.Id)).toEqual([coolInvoice.Id]);
    // A run after undo bills the month again.
    const fourth = await run();
    expect((fourth.summary as Summary).invoices.created_count).toBe(2);
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(3);
    expect(h.ctx.audit.recent({ action: 'zimbra_undo' })).toHaveLength(1);
  });

  it('--customer bills one customer, --dry-run writes nothing, --skip-invoices still reports with prices', async () => {
    await mapBasics();
    const dry = await run({ dryRun: true });
    expect((dry.summary as { invoices: { planned_count: number } }).invoices.planned_count).toBe(3);
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(0);
    const report = await run({ skipInvoices: true, skipFetch: true });
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((report.summary as Summary).reports.excel_path);
    expect(book.getWorksheet('Summary')!.getCell('B9').value).toBe(105.5);
    expect(String(book.getWorksheet('Summary')!.getCell('B5').value)).toMatch(/no invoices created/);
    const one = await run({ customerId: cool(), skipFetch: true });
    expect((one.summary as Summary).invoices.created_count).toBe(1);
    expect(invoicesOf(h.emulator, h.realm).map((i) => (i.CustomerRef as { value: string }).value)).toEqual([
      cool(),
    ]);
  });

  it('a lost answer during creation does not duplicate (DocNumber lookup)', async () => {
    await mapBasics();
    h.emulator.faults.nextFaults.push('drop-after-commit');
    const result = await run();
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(3);
    expect(totalInQbo()).toBe((result.summary as Summary).invoices.total_amount_cents);
  });
});
