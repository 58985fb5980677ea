import { afterEach, describe, expect, it } from 'vitest';
import { queryAll, rowsOf } from '../../gateway/src/qbo/query';
import { type Harness, startHarness } from './helpers';

/**
 * A person deletes a transaction in QuickBooks while qb-bridge is reading a long list page by page. Paged
 * by position (`STARTPOSITION 11` after a first page of 10), every later row moves one place forward and the
 * row that slides across the page boundary is never returned — a lookup would call it absent and resend.
 * `queryAll` pages by the last Id it holds, so nothing after the deleted row is lost.
 */
describe('queryAll while rows are deleted between pages', () => {
  let h: Harness;
  afterEach(async () => h.close());

  const pageSize = 10;

  async function withInvoices(): Promise<string[]> {
    h = await startHarness();
    const customer = String(h.emulator.entities(h.realm, 'Customer')[0]?.Id);
    const item = String(h.emulator.entities(h.realm, 'Item')[0]?.Id);
    for (let i = 0; i < 25; i++) {
      h.emulator.create(h.realm, 'Invoice', {
        CustomerRef: { value: customer },
        DocNumber: `DEL-${i}`,
        Line: [
          {
            DetailType: 'SalesItemLineDetail',
            Amount: 10,
            SalesItemLineDetail: { ItemRef: { value: item } },
          },
        ],
      });
    }
    return h.emulator
      .entities(h.realm, 'Invoice')
      .filter((inv) => String(inv.DocNumber).startsWith('DEL-'))
      .map((inv) => String(inv.Id))
      .sort((a, b) => Number(a) - Number(b));
  }

  /** After the first page has been computed, the third invoice of it is deleted (once). */
  function deleteAfterFirstPage(id: string): void {
    let done = false;
    h.emulator.faults.afterQuery = () => {
      if (done) return;
      done = true;
      expect(h.emulator.remove(h.realm, 'Invoice', id)).toBe(true);
    };
  }

  it('a listing paged by position loses the row that slides across the page boundary (the hazard)', async () => {
    const ids = await withInvoices();
    deleteAfterFirstPage(ids[2]!);
    const seen: string[] = [];
    for (let start = 1; ; start += pageSize) {
      const page = rowsOf(
        await h.client.query(
          `select * from Invoice where DocNumber LIKE 'DEL-%' ORDERBY Id STARTPOSITION ${start} MAXRESULTS ${pageSize}`,
        ),
        'Invoice',
      );
      seen.push(...page.map((r) => String(r.Id)));
      if (page.length < pageSize) break;
    }
    // The 11th invoice moved to position 10 after the deletion, and position 11 was read next: 24 of 25
    // rows seen (the deleted one had been read on page 1), the 11th, which still exists, never.
    expect(seen).not.toContain(ids[10]);
    expect(seen).toHaveLength(24);
    expect(h.emulator.entities(h.realm, 'Invoice').map((i) => String(i.Id))).toContain(ids[10]);
  });

  it('queryAll returns every row that still exists, whatever was deleted before the page boundary', async () => {
    const ids = await withInvoices();
    deleteAfterFirstPage(ids[2]!);
    const rows = await queryAll(h.client, 'Invoice', "DocNumber LIKE 'DEL-%'", { pageSize });
    const got = rows.map((r) => String(r.Id));
    // The deleted row was on the first page already; every other invoice is there exactly once.
    expect(got).toEqual(ids);
    expect(h.emulator.entities(h.realm, 'Invoice').map((i) => String(i.Id))).not.toContain(ids[2]);
  });

  it('rows deleted on both sides of a later boundary do not hide the rows between them', async () => {
    const ids = await withInvoices();
    let page = 0;
    h.emulator.faults.afterQuery = () => {
      page += 1;
      if (page !== 2) return;
      // After the second page: one row of page 1, one of page 2 and the first of page 3 go.
      for (const id of [ids[0]!, ids[15]!, ids[20]!]) h.emulator.remove(h.realm, 'Invoice', id);
    };
    const rows = await queryAll(h.client, 'Invoice', "DocNumber LIKE 'DEL-%'", { pageSize });
    const expected = ids.filter((id) => id !== ids[20]);
    expect(rows.map((r) => String(r.Id))).toEqual(expected);
  });
});
