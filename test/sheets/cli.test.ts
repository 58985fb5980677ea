import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Host, startHost } from '../addon/host';
import { cliPath, repoRoot, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/context';

function play(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'sheets', 'play', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: tempDir() },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

let host: Host;
beforeAll(async () => {
  host = await startHost({
    SHEETS_DIRECTIONS_FILE: path.join(repoRoot, 'gateway/src/sheets/sample/directions.json'),
  });
});
afterAll(async () => host.stop());

describe('qb-bridge sheets play and addon-key', () => {
  it('plays the shipped sample inv_tbl through the built add-on: a multi-line invoice, a bill, two bad rows (exit 3)', async () => {
    const csv = path.join(repoRoot, 'gateway/src/sheets/sample/inv_tbl.csv');
    const result = await play(['--csv', csv, '--url', host.url, '--key-stdin', '--json'], host.key);
    expect(result.code, result.stderr).toBe(3);
    const outcome = JSON.parse(result.stdout) as { headers: string[]; rows: string[][] };
    const at = (name: string) => outcome.headers.indexOf(name);
    const byInvoice = (doc: string) => outcome.rows.filter((r) => r[at('invoice')] === doc);
    const multi = byInvoice('ACD-1001');
    expect(multi.map((r) => r[at('qb_sync_status')])).toEqual(['synced', 'synced']);
    expect(multi[0]![at('qb_invoice_id')]).toBe(multi[1]![at('qb_invoice_id')]);
    expect(multi[0]![at('qb_invoice_url')]).toMatch(/\/app\/invoice\?txnId=\d+$/);
    expect(byInvoice('ACC-7781')[0]![at('qb_bill_url')]).toMatch(/\/app\/bill\?txnId=\d+$/);
    expect(byInvoice('ACD-1004')[0]![at('qb_error')]).toMatch(/thousands separators/);
    expect(byInvoice('ACD-1005')[0]![at('qb_error')]).toMatch(/client/);
    expect(byInvoice('ACD-1006')[0]![at('qb_sync_status')]).toBe('');
    const invoice = (await host.entities('Invoice')).find((i) => i.DocNumber === 'ACD-1001')!;
    expect((invoice.Line as unknown[]).length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('prints the sheet as aligned text with its qb_* columns, and a second play creates nothing twice', async () => {
    const csv = path.join(repoRoot, 'gateway/src/sheets/sample/inv_tbl.csv');
    const human = await play(['--csv', csv, '--url', host.url, '--key-stdin'], host.key);
    // A fresh sheet (new qb_row_ids) with the same numbers: QuickBooks already has them, nothing is created twice.
    expect(human.stdout).toMatch(/^Sync done:/);
    expect(human.stdout).toMatch(/invoice\s+to_client\s+inv_from.*qb_sync_status/);
    expect(human.stdout).toMatch(/range calls: \d+ reads, \d+ writes/);
    expect((await host.entities('Invoice')).filter((i) => i.DocNumber === 'ACD-1001')).toHaveLength(1);
  }, 90_000);

  it('refuses a wrong key with the gateway sentence and exit 1', async () => {
    const csv = path.join(repoRoot, 'gateway/src/sheets/sample/inv_tbl.csv');
    const result = await play(
      ['--csv', csv, '--url', host.url, '--key-stdin'],
      `qbb_deadbeef00.${'x'.repeat(43)}`,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/not accepted: unknown or revoked add-on key/);
  }, 60_000);

  it('addon-key prints a key once on stdout and can revoke it', () => {
    const dir = tempDir();
    const created = runCli(['addon-key', '--spreadsheet', '1AbCdEfGhIjKlMnOp'], { DATA_DIR: dir });
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toMatch(/^qbb_[a-z0-9]{12}\.[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/cannot be shown again/);
    const id = /^qbb_([a-z0-9]+)\./.exec(created.stdout.trim())![1]!;
    expect(runCli(['addon-key', '--revoke', id], { DATA_DIR: dir }).code).toBe(0);
    expect(runCli(['addon-key', '--revoke', id], { DATA_DIR: dir }).code).toBe(2);
    expect(fs.existsSync(path.join(dir, 'qb-bridge.db'))).toBe(true);
  }, 90_000);
});
