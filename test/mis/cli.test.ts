import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, runCliAsync } from '../helpers/cli';
import { tempDir } from '../helpers/context';
import {
  createTestMis,
  duplicateInvoices,
  type MisHarness,
  seedSample,
  startMisHarness,
  statuses,
} from './helpers';

describe('qb-bridge mis … (built CLI, MariaDB, QBO emulator)', () => {
  let h: MisHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('analyze, preview, batch, single, all, status: output, --json, --dry-run and exit codes', async () => {
    const harness = await startMisHarness();
    h = harness;
    const run = (...args: string[]) => runCliAsync(['mis', ...args], harness.env);

    const analyze = await run('analyze');
    expect(analyze.code).toBe(0);
    expect(analyze.stdout).toContain('Total invoices: 11');
    expect(analyze.stdout).toContain('Already synced: 1');
    expect(analyze.stdout).toContain('Not synced:     10');
    expect(analyze.stdout).toContain('Progress:       9.1%');

    const preview = await run('preview', '--limit', '3', '--json');
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout)).toMatchObject({ count: 3, limit: 3, offset: 0 });

    const dry = await run('all', '--dry-run', '--json');
    expect(dry.code).toBe(3);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, total_successful: 6, total_failed: 4 });
    expect((await statuses(harness.mis))[101]).toBe(0);
    expect(
      harness.emulator
        .entities(harness.realm, 'Invoice')
        .filter((i) => String(i.DocNumber).startsWith('MIS-')),
    ).toHaveLength(0);

    const batch = await run('batch', '--batch-size', '2');
    expect(batch.code).toBe(0);
    expect(batch.stdout).toContain('2 invoice(s) processed: 2 synchronized, 0 failed');

    const failedSingle = await run('single', '110');
    expect(failedSingle.code).toBe(1);
    expect(failedSingle.stdout).toContain('invoice 110: Customer not found');
    const syncedSingle = await run('single', '101');
    expect(syncedSingle.code).toBe(0);
    expect(syncedSingle.stdout).toMatch(/already synchronized/);

    const all = await run('all', '--batch-size', '3');
    expect(all.code).toBe(3);
    expect(all.stdout).toMatch(/invoice\(s\): 4 synchronized, 4 failed/);
    expect(all.stdout).toContain('invoice 107: Income category "Library Fee"');
    // Piped: one plain progress line per batch on stderr (no terminal redraws).
    expect(all.stderr).not.toContain('\r');
    expect(
      all.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('mis ')).length,
    ).toBeGreaterThanOrEqual(2);

    const status = await run('status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      statistics: { total_invoices: 11, already_synced: 7, failed: 4 },
      quickbooks_connected: true,
      job: { flow: 'mis', state: 'done' },
    });
    expect(duplicateInvoices(harness)).toBe(0);
    // Each CLI start costs seconds on a loaded CI machine.
  }, 300_000);

  it('usage errors exit 2; no MIS_DATABASE_URL or no QuickBooks connection exit 4', async () => {
    const mis = await createTestMis();
    await seedSample(mis);
    try {
      const dir = tempDir('qbb-mis-cli-');
      const base = { DATA_DIR: dir, QBO_ENVIRONMENT: 'emulator', MIS_DATABASE_URL: mis.url };
      expect((await runCliAsync(['mis', 'batch', '--batch-size', '0'], base)).code).toBe(2);
      expect((await runCliAsync(['mis', 'single', 'x1'], base)).code).toBe(2);
      const noUrl = await runCliAsync(['mis', 'analyze'], { DATA_DIR: dir });
      expect(noUrl.code).toBe(4);
      expect(noUrl.stderr).toMatch(/MIS_DATABASE_URL is missing/);
      const notConnected = await runCliAsync(['mis', 'batch'], base);
      expect(notConnected.code).toBe(4);
      expect(notConnected.stderr).toMatch(/QuickBooks is not connected/);
      expect((await statuses(mis))[101]).toBe(0);
    } finally {
      await mis.drop();
    }
  }, 240_000);

  it('serve logs a MIS missing a column at start-up: the column and the fix, before any request', async () => {
    const broken = await createTestMis(
      'CREATE TABLE tbl_imvoice (id INT PRIMARY KEY, reg_no VARCHAR(200), fee_category INT, dept FLOAT, credit FLOAT, invoice_date DATETIME, comment VARCHAR(900), QuickBk_Status INT, pushed_date DATETIME, quickbooks_id VARCHAR(255));',
    );
    const dir = tempDir('qbb-mis-serve-');
    const serve = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, MIS_DATABASE_URL: broken.url },
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        // The CLI logs to stderr (stdout is for people and --json).
        serve.stderr.on('data', (d) => {
          out += String(d);
          const found = out.split('\n').find((l) => l.includes('lacks'));
          if (found) resolve(found);
        });
        serve.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      const logged = JSON.parse(line) as { msg: string; flow: string };
      expect(logged.flow).toBe('mis');
      expect(logged.msg).toMatch(/lacks columns tbl_imvoice\.pushed_by, tbl_income_category/);
      expect(logged.msg).toMatch(/add it there .* or point MIS_DATABASE_URL at the right database/);
    } finally {
      serve.kill('SIGTERM');
      await new Promise((resolve) => serve.once('exit', resolve));
      await broken.drop();
    }
  }, 60_000);
});
