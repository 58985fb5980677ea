import { afterEach, describe, expect, it } from 'vitest';
import { CustomerMap } from '../../gateway/src/sheets/customer-map';
import { byRow, type SheetsGateway, sheetRow, startSheetsGateway } from './helpers';

/** The gateway's client name → QuickBooks customer table, used when the sheet's qb_customers tab has no entry. */

const invoiceRow = (rowId: string, at: number, invoice: string, client: string) =>
  sheetRow({ status: 'ready', inv_from: 'ACD', invoice, to_client: client, inv_dollars: '10' }, rowId, at);

const invoiceOf = (g: SheetsGateway, doc: string) =>
  g.h.emulator.entities(g.h.realm, 'Invoice').find((i) => i.DocNumber === doc)!;

describe('customer-mapping table', () => {
  let g: SheetsGateway;
  afterEach(async () => g.close());

  it('records what find-or-create settled, and later runs use it without looking the name up', async () => {
    g = await startSheetsGateway();
    const map = new CustomerMap(g.h.ctx.db);
    await g.runJob({
      spreadsheetId: 'cm1',
      sheetName: 'inv_tbl',
      rows: [invoiceRow('m1', 2, 'CM-1', 'Brand New Client'), invoiceRow('m2', 3, 'CM-2', 'Cool Cars')],
    });
    const created = map.get(g.h.realm, 'brand  new client')!;
    expect(created).toMatchObject({
      sheetName: 'Brand New Client',
      source: 'created',
      customerName: 'Brand New Client',
    });
    expect(map.get(g.h.realm, 'Cool Cars')).toMatchObject({ source: 'found' });
    expect((invoiceOf(g, 'CM-1').CustomerRef as { value: string }).value).toBe(created.customerId);

    const queriesBefore = g.h.emulator.stats().byPath['GET /query'] ?? 0;
    await g.runJob({
      spreadsheetId: 'cm1',
      sheetName: 'inv_tbl',
      rows: [invoiceRow('m3', 4, 'CM-3', ' BRAND NEW CLIENT ')],
    });
    expect((invoiceOf(g, 'CM-3').CustomerRef as { value: string }).value).toBe(created.customerId);
    // Only the batch writer's own calls: no customer query for a name the table knows.
    expect(g.h.emulator.stats().byPath['GET /query'] ?? 0).toBe(queriesBefore);
  });

  it('looks many existing clients up together: a query per ~30 names, not one per name', async () => {
    g = await startSheetsGateway();
    const names = Array.from({ length: 45 }, (_, i) => `Existing Client ${String(i).padStart(2, '0')}`);
    for (const DisplayName of names) g.h.emulator.create(g.h.realm, 'Customer', { DisplayName });
    const queriesBefore = g.h.emulator.stats().byPath['GET /query'] ?? 0;
    const view = await g.runJob({
      spreadsheetId: 'cm4',
      sheetName: 'inv_tbl',
      rows: names.map((name, i) => invoiceRow(`x${i}`, i + 2, `CX-${i}`, name.toUpperCase())),
    });
    expect(view.results.every((r) => r.status === 'synced')).toBe(true);
    // Each client name is sent in its two forms (as written and cleaned up): 45 names are a few chunks.
    expect((g.h.emulator.stats().byPath['GET /query'] ?? 0) - queriesBefore).toBeLessThanOrEqual(4);
    expect(new CustomerMap(g.h.ctx.db).get(g.h.realm, names[44]!)).toMatchObject({ source: 'found' });
    const customers = g.h.emulator.entities(g.h.realm, 'Customer');
    expect(customers.filter((c) => String(c.DisplayName).startsWith('Existing Client'))).toHaveLength(45);
  });

  it('an accountant’s edit wins over find-or-create; the sheet’s qb_customers tab wins over the table', async () => {
    g = await startSheetsGateway();
    const map = new CustomerMap(g.h.ctx.db);
    map.edit(g.h.realm, 'Cool Cars', '1', 'admin');
    const results = byRow(
      (
        await g.runJob({
          spreadsheetId: 'cm2',
          sheetName: 'inv_tbl',
          rows: [invoiceRow('e1', 2, 'CE-1', 'cool cars'), invoiceRow('e2', 3, 'CE-2', 'Diego')],
          customers: { Diego: 'Diego Rodriguez' },
        })
      ).results,
    );
    expect(results.get('e1')!.status).toBe('synced');
    expect((invoiceOf(g, 'CE-1').CustomerRef as { value: string }).value).toBe('1');
    expect(map.get(g.h.realm, 'Cool Cars')).toMatchObject({ customerId: '1', source: 'edited' });
    // The tab maps Diego to a QuickBooks name; that match is the tab's, not recorded in the table.
    expect(map.get(g.h.realm, 'Diego')).toBeUndefined();

    const viaTab = await g.runJob({
      spreadsheetId: 'cm2',
      sheetName: 'inv_tbl',
      rows: [invoiceRow('e3', 4, 'CE-3', 'Cool Cars')],
      customers: { 'Cool Cars': '3' },
    });
    expect(viaTab.results[0]!.status).toBe('synced');
    expect((invoiceOf(g, 'CE-3').CustomerRef as { value: string }).value).toBe('3');

    const checked = await g.json<{ results: Array<{ warnings: string[] }> }>('POST', '/api/sheets/validate', {
      spreadsheetId: 'cm2',
      sheetName: 'inv_tbl',
      rows: [invoiceRow('e4', 5, 'CE-4', 'Cool Cars')],
    });
    expect(checked.body.data.results[0]!.warnings.join('\n')).toMatch(
      /customer from the gateway's customer mapping: QuickBooks Id 1/,
    );
  });

  it('a mapping to a customer QuickBooks does not know fails the row and says where to fix it', async () => {
    g = await startSheetsGateway();
    new CustomerMap(g.h.ctx.db).edit(g.h.realm, 'Gone Client', '9999', 'admin');
    const view = await g.runJob({
      spreadsheetId: 'cm3',
      sheetName: 'inv_tbl',
      rows: [invoiceRow('g1', 2, 'CG-1', 'Gone Client')],
    });
    expect(view.results[0]).toMatchObject({ status: 'failed' });
    expect(view.results[0]!.error).toMatch(
      /QuickBooks refused invoice CG-1: .*comes from the gateway's customer mapping; correct it on the dashboard's Sheets page/,
    );
  });
});
