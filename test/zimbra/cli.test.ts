import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZimbraStore } from '../../gateway/src/zimbra/store';
import { cliPath, repoRoot, runCliAsync } from '../helpers/cli';
import { invoicesOf, itemIdOf, startZimbraHarness, writeReport, type ZimbraHarness } from './helpers';

let h: ZimbraHarness;
const customers = 45;

beforeEach(async () => {
  h = await startZimbraHarness();
  const store = new ZimbraStore(h.ctx.db);
  const usage: Array<[string, Array<[string, number]>]> = [];
  for (let i = 1; i <= customers; i++) {
    const customer = h.emulator.create(h.realm, 'Customer', { DisplayName: `Zimbra Customer ${i}` });
    store.setDomain(
      `customer${i}.com`,
      { customerId: String(customer.Id), customerName: String(customer.DisplayName) },
      'test',
    );
    usage.push([`customer${i}.com`, [['std-5gb', i]]]);
  }
  usage.push(['unmapped.net', [['std-5gb', 3]]]);
  store.setCos(
    'std-5gb',
    { itemId: itemIdOf(h.emulator, h.realm, 'Email Hosting'), itemName: 'Email Hosting', quotaGb: 5 },
    'test',
  );
  for (const day of ['07', '14', '21', '28']) writeReport(h.reportDir, `2025-10-${day}`, usage);
});
afterEach(async () => {
  await h.close();
});

const args = ['run-monthly-billing', '--year', '2025', '--month', '10', '--non-interactive'];

describe('run-monthly-billing from the command line', () => {
  it('prints the step lines and the seed summary, writes the JSON, exits 0; a re-run creates 0', async () => {
    const json = path.join(h.dataDir, 'summary.json');
    const first = await runCliAsync([...args, '--json-output', json], h.env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (let i = 1; i <= 6; i++) expect(first.stdout).toContain(`[${i}/6]`);
    expect(first.stdout).toContain('Billing Period: 2025-10');
    expect(first.stdout).toContain(`Invoices Created: ${customers}`);
    const expected = ((customers * (customers + 1)) / 2) * 450;
    expect(first.stdout).toContain(
      `Total Amount: $${(expected / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`,
    );
    expect(first.stdout).toContain('domain unmapped.net');
    const summary = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(summary.status).toBe('success');
    expect(summary.invoices.total_amount_cents).toBe(expected);
    expect(summary.reconciliation.skipped_domains).toBe(1);
    const again = await runCliAsync([...args, '--skip-fetch'], h.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Invoices Created: 0');
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(customers);

    // generate-report: the month's workbook from the stored usage, at current prices, nothing created.
    const xlsx = path.join(h.dataDir, 'october.xlsx');
    const report = await runCliAsync(
      ['generate-report', '--year', '2025', '--month', '10', '--output', xlsx],
      h.env,
    );
    expect(report.code).toBe(0);
    expect(report.stdout.trim()).toBe(xlsx);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['Summary', 'Details', 'Usage']);
    const details = workbook.getWorksheet('Details')!;
    expect(details.getRow(2).getCell(11).value).toBe('preview');
    expect(details.getRow(customers + 1).getCell(2).value).toMatch(/^customer\d+\.com$/);
    expect(invoicesOf(h.emulator, h.realm)).toHaveLength(customers);
  }, 60_000);

  it('kill -9 between QuickBooks committing invoices and the ledger recording them, then re-runs: no duplicates', async () => {
    // The first /batch commits and its answer is held (Intuit's server timeout); the process is killed then.
    h.emulator.faults.nextFaults.push('timeout');
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: h.dataDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...h.env },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 45_000;
    while (invoicesOf(h.emulator, h.realm).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    expect(invoicesOf(h.emulator, h.realm).length).toBeGreaterThan(0);
    // Right away: rows the killed run was still sending within their send lease are left pending (exit 3),
    // never sent again blindly (on a slow machine the lease may already be over: then they are settled now).
    const early = await runCliAsync([...args, '--skip-fetch', '--json'], h.env);
    expect([0, 3]).toContain(early.code);
    if (early.code === 3)
      expect(JSON.parse(early.stdout).failures[0].error).toMatch(/being sent by another run/);
    expect(invoicesOf(h.emulator, h.realm).length).toBeLessThanOrEqual(customers);
    // Once the lease has run out (10 s: 5 s request timeout + 5 s), the rows are looked up by DocNumber.
    await new Promise((r) => setTimeout(r, Math.max(0, 10_500 - (Date.now() - killedAt))));
    const rerun = await runCliAsync([...args, '--skip-fetch', '--json'], h.env);
    expect(rerun.code).toBe(0);
    const invoices = invoicesOf(h.emulator, h.realm);
    expect(invoices).toHaveLength(customers);
    expect(new Set(invoices.map((i) => i.DocNumber)).size).toBe(customers);
    const summary = JSON.parse(rerun.stdout);
    expect(summary.invoices.success_count).toBe(customers);
    const inQbo = invoices.reduce((s, i) => s + Math.round(Number(i.TotalAmt) * 100), 0);
    expect(summary.invoices.total_amount_cents).toBe(inQbo);
  }, 120_000);

  it('exit codes: 2 for a bad month, 4 for a missing report folder, 4 for QuickBooks not connected', async () => {
    expect((await runCliAsync([...args.slice(0, 4), '13'], h.env)).code).toBe(2);
    const missing = await runCliAsync(args, { ...h.env, ZIMBRA_REPORT_PATH: path.join(h.dataDir, 'nope') });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/does not exist/);
    const other = fs.mkdtempSync(path.join(repoRoot, '.tmp-zimbra-'));
    try {
      const notConnected = await runCliAsync([...args], {
        DATA_DIR: other,
        QBO_ENVIRONMENT: 'emulator',
        ZIMBRA_REPORT_PATH: h.reportDir,
      });
      expect(notConnected.code).toBe(4);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);
});
