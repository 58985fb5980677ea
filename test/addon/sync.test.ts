import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/context';
import { type Host, startHost } from './host';
import { closeFetcher, fillSheet, loadAddon, readSheet } from './standin';

// Seed-shaped headers, shuffled, with a user column holding a formula the add-on must never touch.
const headers = [
  'status',
  'inv_dollars',
  'to_client',
  'my_calc',
  'invoice',
  'submitted_date',
  'inv_from',
  'task_descr',
  'inv_link',
  'job_name',
];

let host: Host;
beforeAll(async () => {
  const dir = tempDir();
  const file = path.join(dir, 'directions.json');
  fs.writeFileSync(file, JSON.stringify({ money_in: ['ACD'], money_out: ['Accelebrate'] }));
  host = await startHost({ SHEETS_DIRECTIONS_FILE: file });
});
afterAll(async () => {
  await closeFetcher();
  await host.stop();
});

const invoicesNumbered = async (doc: string) =>
  (await host.entities('Invoice')).filter((i) => i.DocNumber === doc);

describe('the built add-on against the real gateway and the emulator', () => {
  it('first run on reordered columns: qb_* appended once, multi-line invoice, clear per-row errors, text stays text', async () => {
    const gas = loadAddon(host);
    fillSheet(gas, 'inv_tbl', headers, [
      {
        status: 'ready',
        inv_dollars: '$1,000.00',
        to_client: 'Cool Cars',
        my_calc: 7,
        invoice: 'VM-1',
        inv_from: 'ACD',
        task_descr: 'Day 1',
        submitted_date: new Date(Date.UTC(2026, 2, 4)),
      },
      {
        status: 'ready',
        inv_dollars: 500,
        to_client: 'Cool Cars',
        invoice: 'VM-1',
        inv_from: 'ACD',
        task_descr: 'Day 2',
        submitted_date: '2026-03-04',
      },
      { status: 'ready', inv_dollars: '1,2,3', to_client: 'Cool Cars', invoice: 'VM-2', inv_from: 'ACD' },
      {
        status: 'ready',
        inv_dollars: '20',
        to_client: '',
        invoice: 'VM-3',
        inv_from: 'ACD',
        submitted_date: 'tomorrow',
      },
      {
        status: 'ready',
        inv_dollars: '75',
        to_client: '\'=HYPERLINK("https://evil.example","pay")',
        invoice: 'VM-4',
        inv_from: 'ACD',
      },
      { status: 'draft', inv_dollars: '75', to_client: 'Cool Cars', invoice: 'VM-5', inv_from: 'ACD' },
    ]);
    const sheet = gas.sheet('inv_tbl');
    sheet.getRange(2, 4).setValue('=1+1');
    const summary = gas.run<{ status: string; message: string }>('syncReadyRows');
    expect(summary.status).toBe('done');
    const rows = readSheet(gas, 'inv_tbl');
    const live = gas.sheet('inv_tbl').values()[0]!;
    expect(live.slice(0, headers.length)).toEqual(headers);
    expect(live.slice(headers.length)).toEqual([
      'qb_row_id',
      'qb_invoice_id',
      'qb_invoice_url',
      'qb_sync_status',
      'qb_synced_at',
      'qb_error',
    ]);
    expect(rows[0]).toMatchObject({ qb_sync_status: 'synced', qb_error: '' });
    expect(rows[1]!.qb_invoice_id).toBe(rows[0]!.qb_invoice_id);
    expect(String(rows[0]!.qb_invoice_url)).toMatch(
      new RegExp(`${host.url.replace(/[.:/]/g, '.')}.*|/app/invoice\\?txnId=`),
    );
    expect(rows[2]).toMatchObject({ qb_sync_status: 'failed' });
    expect(String(rows[2]!.qb_error)).toMatch(/thousands separators/);
    expect(String(rows[3]!.qb_error)).toMatch(/to_client and end_client are both empty.*submitted_date/);
    // The formula-looking client name is quoted back as text in qb_error (QuickBooks refuses the ":").
    expect(rows[4]!.qb_sync_status).toBe('failed');
    expect(rows[4]!.qb_error).toBe(
      '"=HYPERLINK("https://evil.example","pay")" contains ":", which QuickBooks reserves for sub-customers; remove it from the name',
    );
    expect(rows[4]!.to_client).toBe('=HYPERLINK("https://evil.example","pay")');
    expect(rows[5]!.qb_sync_status).toBe('');
    // The user's formula column is untouched, and nothing the add-on wrote became a formula.
    expect([...sheet.formulas.values()]).toEqual(['=1+1']);
    expect(sheet.notes[3]![headers.length + 5]).toMatch(/thousands/);
    expect(sheet.backgrounds[1]![headers.length + 3]).toBe('#d9ead3');
    const [invoice] = await invoicesNumbered('VM-1');
    const lines = (invoice!.Line as Array<{ DetailType: string; Amount: number }>).filter(
      (l) => l.DetailType === 'SalesItemLineDetail',
    );
    expect(lines.map((l) => l.Amount)).toEqual([1000, 500]);
    expect(invoice!.TxnDate).toBe('2026-03-04');

    // A second run: nothing new is created, the header row does not grow.
    const again = gas.run<{ status: string; message: string }>('syncReadyRows');
    expect(again.status).toBe('nothing');
    expect(gas.sheet('inv_tbl').values()[0]).toHaveLength(headers.length + 6);
    expect(await invoicesNumbered('VM-1')).toHaveLength(1);
  });

  it('re-run after lost write-back creates no duplicates; rows sorted and inserted mid-job get their own results', async () => {
    const rowsIn = Array.from({ length: 12 }, (_, i) => ({
      status: 'ready',
      inv_dollars: String(100 + i),
      to_client: 'Cool Cars',
      invoice: `SORT-${String(i).padStart(2, '0')}`,
      inv_from: 'ACD',
    }));
    let sorted = false;
    const gas = loadAddon(host, {
      onFetch: (request) => {
        if (!sorted && request.method === 'GET' && request.url.includes('/api/sheets/jobs/')) {
          sorted = true;
          const sheet = gas.sheet('inv_tbl');
          const col = sheet.values()[0]!.indexOf('invoice');
          sheet.sortDataRows((a, b) => String(b[col]).localeCompare(String(a[col])));
          sheet.insertRowBefore(2);
        }
      },
    });
    fillSheet(gas, 'inv_tbl', headers, rowsIn);
    const summary = gas.run<{ status: string }>('syncReadyRows');
    expect(summary.status).toBe('done');
    expect(sorted).toBe(true);
    const invoices = await host.entities('Invoice');
    const rows = readSheet(gas, 'inv_tbl').filter((r) => r.invoice !== '');
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const inv = invoices.find((i) => i.Id === row.qb_invoice_id);
      expect(inv?.DocNumber, `row ${row.invoice}`).toBe(row.invoice);
      expect(row.qb_sync_status).toBe('synced');
    }
    // The write-back is lost (cells cleared by hand): the next run adopts the same invoices.
    const sheet = gas.sheet('inv_tbl');
    const live = sheet.values()[0]!;
    for (const name of ['qb_invoice_id', 'qb_invoice_url', 'qb_sync_status']) {
      const col = live.indexOf(name);
      for (let r = 1; r < sheet.cells.length; r++) sheet.cells[r]![col] = '';
    }
    expect(gas.run<{ status: string }>('syncReadyRows').status).toBe('done');
    const after = readSheet(gas, 'inv_tbl').filter((r) => r.invoice !== '');
    for (const row of after)
      expect(row.qb_invoice_id).toBe(rows.find((r) => r.invoice === row.invoice)!.qb_invoice_id);
    for (const row of rowsIn) expect(await invoicesNumbered(row.invoice)).toHaveLength(1);
  });

  it('money out: skipped with the reason in invoice_only, a bill with the bill columns in dual', async () => {
    const gas = loadAddon(host, { properties: { QB_BRIDGE_SYNC_MODE: 'invoice_only' } });
    fillSheet(gas, 'inv_tbl', headers, [
      {
        status: 'ready',
        inv_dollars: '40',
        to_client: 'ACD',
        invoice: 'BILL-1',
        inv_from: 'Accelebrate',
        task_descr: 'Trainer days',
      },
      {
        status: 'ready',
        inv_dollars: '40',
        to_client: 'Cool Cars',
        invoice: 'BILL-2',
        inv_from: 'Somebody Else',
      },
    ]);
    gas.run('syncReadyRows');
    let rows = readSheet(gas, 'inv_tbl');
    expect(rows[0]).toMatchObject({ qb_sync_status: 'skipped' });
    expect(String(rows[0]!.qb_error)).toMatch(/bills are off/);
    expect(String(rows[1]!.qb_error)).toMatch(/neither money_in nor money_out/);
    expect((await host.entities('Bill')).filter((b) => b.DocNumber === 'BILL-1')).toHaveLength(0);

    // The company upgrades: dual mode, the skipped row is set back to pending.
    gas.properties.set('QB_BRIDGE_SYNC_MODE', 'dual');
    const sheet = gas.sheet('inv_tbl');
    sheet.cells[1]![sheet.values()[0]!.indexOf('qb_sync_status')] = 'pending';
    gas.run('syncReadyRows');
    rows = readSheet(gas, 'inv_tbl');
    expect(rows[0]).toMatchObject({ qb_sync_status: 'synced', qb_bill_status: 'synced', qb_bill_error: '' });
    expect(String(rows[0]!.qb_bill_url)).toMatch(/\/app\/bill\?txnId=/);
    const bills = (await host.entities('Bill')).filter((b) => b.DocNumber === 'BILL-1');
    expect(bills).toHaveLength(1);
    expect(bills[0]!.Id).toBe(rows[0]!.qb_bill_id);
  });

  it('validate writes problems only, creates nothing, and costs the same range calls for 10 or 60 rows', async () => {
    const calls: number[] = [];
    for (const n of [10, 60]) {
      const gas = loadAddon(host);
      fillSheet(
        gas,
        'inv_tbl',
        headers,
        Array.from({ length: n }, (_, i) => ({
          status: 'ready',
          inv_dollars: i % 2 ? '12.345' : '5',
          to_client: 'Validate Only Co',
          invoice: `VAL-${n}-${i}`,
          inv_from: 'ACD',
        })),
      );
      gas.spreadsheet.selectRows(
        gas.sheet('inv_tbl'),
        Array.from({ length: n }, (_, i) => i + 2),
      );
      const before = gas.spreadsheet.stats.reads + gas.spreadsheet.stats.writes;
      const summary = gas.run<{ message: string }>('validateSelectedRows');
      expect(summary.message).toMatch(new RegExp(`${n} rows checked: ${n / 2} need fixing`));
      calls.push(gas.spreadsheet.stats.reads + gas.spreadsheet.stats.writes - before);
      const rows = readSheet(gas, 'inv_tbl');
      expect(rows[1]!.qb_error).toMatch(/more than two decimals/);
      expect(rows[0]!.qb_sync_status).toBe('');
    }
    expect(calls[0]).toBe(calls[1]);
    expect((await host.entities('Customer')).some((c) => c.DisplayName === 'Validate Only Co')).toBe(false);
  });

  it('two runs never overlap; triggers come only from settings, one of each kind; onEdit syncs a row that becomes ready', async () => {
    const gas = loadAddon(host);
    fillSheet(gas, 'inv_tbl', headers, [
      { status: 'draft', inv_dollars: '9', to_client: 'Cool Cars', invoice: 'EDIT-1', inv_from: 'ACD' },
    ]);
    gas.lock.held = true;
    expect(gas.run<{ status: string; message: string }>('syncReadyRows')).toMatchObject({
      status: 'busy',
      message: expect.stringMatching(/already running/),
    });
    gas.lock.held = false;
    expect(gas.triggers).toHaveLength(0);
    expect(gas.run<{ ok: boolean }>('saveSettings', { autoSync: true, hourly: true }).ok).toBe(true);
    gas.run('saveSettings', { autoSync: true, hourly: true });
    expect(gas.triggers.map((t) => t.handler).sort()).toEqual(['onEditInstalled', 'runScheduledSync']);
    expect(
      gas.run<{ ok: boolean; message: string }>('saveSettings', { gatewayUrl: 'ftp://nope' }),
    ).toMatchObject({ ok: false });
    const sheet = gas.sheet('inv_tbl');
    sheet.getRange(2, 1).setValue('ready');
    gas.run('onEditInstalled', { range: sheet.getRange(2, 1), value: 'ready' });
    expect(readSheet(gas, 'inv_tbl')[0]).toMatchObject({ qb_sync_status: 'synced' });
    // Edited after it synced: the row says QuickBooks keeps the old version; nothing new is created.
    sheet.getRange(2, 2).setValue('19');
    gas.run('onEditInstalled', { range: sheet.getRange(2, 2), value: '19' });
    expect(String(readSheet(gas, 'inv_tbl')[0]!.qb_error)).toMatch(/QuickBooks still has the old version/);
    expect(await invoicesNumbered('EDIT-1')).toHaveLength(1);
    gas.run('saveSettings', { autoSync: false, hourly: false });
    expect(gas.triggers).toHaveLength(0);
  });

  it('a run out of time leaves the job to the gateway; the next look (sidebar or run) writes the rest', async () => {
    const gas = loadAddon(host, { properties: { QB_BRIDGE_TIME_BUDGET_MS: '1' } });
    fillSheet(
      gas,
      'inv_tbl',
      headers,
      Array.from({ length: 40 }, (_, i) => ({
        status: 'ready',
        inv_dollars: '5',
        to_client: 'Cool Cars',
        invoice: `LATE-${i}`,
        inv_from: 'ACD',
      })),
    );
    const first = gas.run<{ status: string; message: string }>('syncReadyRows');
    expect(first.status).toBe('running');
    expect(first.message).toMatch(/still running/);
    expect(gas.properties.get('QB_BRIDGE_LAST_JOB')).toBeTruthy();
    let state = gas.run<{ job: { state: string } | null; counts: Record<string, number> }>('getSidebarState');
    for (let i = 0; i < 100 && state.job?.state === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = gas.run('getSidebarState');
    }
    state = gas.run('getSidebarState');
    expect(state.counts).toEqual({ synced: 40 });
    expect(gas.properties.get('QB_BRIDGE_LAST_JOB')).toBeUndefined();
  });

  it('the qb_customers tab maps a sheet client name to the QuickBooks customer', async () => {
    const gas = loadAddon(host);
    fillSheet(
      gas,
      'qb_customers',
      ['sheet_name', 'quickbooks_customer'],
      [{ sheet_name: 'CC (cars)', quickbooks_customer: 'Cool Cars' }],
    );
    fillSheet(gas, 'inv_tbl', headers, [
      { status: 'ready', inv_dollars: '11', to_client: 'CC (cars)', invoice: 'MAP-1', inv_from: 'ACD' },
    ]);
    gas.run('syncReadyRows');
    expect(readSheet(gas, 'inv_tbl')[0]).toMatchObject({ qb_sync_status: 'synced' });
    const customers = await host.entities('Customer');
    const [invoice] = await invoicesNumbered('MAP-1');
    const customer = customers.find((c) => c.Id === (invoice!.CustomerRef as { value: string }).value);
    expect(customer?.DisplayName).toBe('Cool Cars');
    expect(customers.some((c) => c.DisplayName === 'CC (cars)')).toBe(false);
  });

  it('onOpen builds the menu without touching any service (AuthMode.NONE)', () => {
    const gas = loadAddon(host);
    const context = gas.globals as unknown as { PropertiesService: unknown; UrlFetchApp: unknown };
    const forbidden = () => {
      throw new Error('service used in onOpen');
    };
    context.PropertiesService = { getDocumentProperties: forbidden };
    context.UrlFetchApp = { fetch: forbidden };
    gas.run('onOpen', { authMode: 'NONE' });
    expect(gas.menu.map((m) => m.handler)).toEqual([
      'showSidebar',
      'syncReadyRows',
      'syncSelectedRows',
      'validateSelectedRows',
      'importQbrMetrics',
      'showSettings',
    ]);
    for (const item of gas.menu) expect(typeof gas.globals[item.handler], item.handler).toBe('function');
  });

  it('imports QBR metrics into a qbr_metrics tab: a row per month, a column per metric, numbers as numbers', async () => {
    const gas = loadAddon(host);
    const now = new Date();
    const month = (d: Date) => d.toISOString().slice(0, 7);
    const from = month(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)));
    const result = gas.run<{ status: string; message: string }>('importQbrMetrics', from, month(now));
    expect(result.status, result.message).toBe('done');
    const [head, ...rows] = gas.sheet('qbr_metrics').values();
    expect(head![0]).toBe('period');
    expect(head).toContain('net_profit');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(typeof rows[0]![head!.indexOf('total_revenue')]).toBe('number');
  });

  it('the sidebar state: counts by status, rows in error with ids, company name; selecting a row by id', async () => {
    const gas = loadAddon(host);
    fillSheet(gas, 'inv_tbl', headers, [
      { status: 'ready', inv_dollars: 'abc', to_client: 'Cool Cars', invoice: 'SB-1', inv_from: 'ACD' },
      { status: 'ready', inv_dollars: '3', to_client: 'Cool Cars', invoice: 'SB-2', inv_from: 'ACD' },
    ]);
    gas.run('syncReadyRows');
    const state = gas.run<{
      counts: Record<string, number>;
      errors: Array<{ rowId: string; sheetRow: number }>;
      quickbooks: { reconnectNeeded: boolean };
    }>('getSidebarState');
    expect(state.counts).toEqual({ failed: 1, synced: 1 });
    expect(state.errors).toHaveLength(1);
    expect(state.quickbooks.reconnectNeeded).toBe(false);
    gas.sheet('inv_tbl').sortDataRows(() => -1);
    expect(gas.run('selectRow', state.errors[0]!.rowId)).toEqual({ sheetRow: 3 });
    gas.run('showSidebar');
    expect(gas.sidebars[0]).toMatch(/<script>/);
    expect(gas.sidebars[0]).not.toMatch(/<script[^>]+src=/);
  });
});
