import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMany } from '../../gateway/src/qbo/exactly-once/batch';
import { QboLedger } from '../../gateway/src/qbo/exactly-once/ledger';
import { createQboClient } from '../../gateway/src/qbo/http/client';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { backupStore, restoreStore } from '../../gateway/src/store/backup';
import { storeFileName } from '../../gateway/src/store/database';
import { testContext } from '../helpers/context';
import { customerId, type Harness, invoicePayload, itemId, startHarness, testTimeScale } from './helpers';

/**
 * Issue 13: a store restored from a backup is older than QuickBooks. Rows the backup shows planned (or sent,
 * or unknown) may have been created since, and rows the backup does not know at all may exist in
 * QuickBooks too; after `restore` every one of them is looked up before it is sent. With the company's
 * duplicate-number warning off nothing else would stop a second copy.
 */
/** The store at `dataDir` opened again after a restore, with a client like the harness's. */
function reopen(h: Harness, dataDir: string) {
  const ctx = testContext({
    DATA_DIR: dataDir,
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: h.server.url,
    QBO_REALM_ID: h.realm,
  });
  const client = createQboClient(ctx, {
    tokens: createTokenVault(ctx),
    timeScale: testTimeScale,
    timeoutMs: 600,
    visibilityMarginMs: 200,
  });
  return { ctx, client };
}

describe('restore --from: a ledger older than QuickBooks', () => {
  it('restoring a backup taken mid-month and running the month again creates nothing twice', async () => {
    const h = await startHarness();
    h.emulator.setDuplicateDocNumberCheck(false);
    const customer = customerId(h.emulator, h.realm, 'Cool Cars');
    const item = itemId(h.emulator, h.realm, 'Hours');
    const month = Array.from({ length: 30 }, (_, i) => ({
      key: `restore:2024-05:${i}`,
      entity: 'Invoice' as const,
      payload: invoicePayload(customer, item, `MAY-${i}`, 1_000 + i),
      lookup: { docNumber: `MAY-${i}` },
    }));
    const dataDir = h.ctx.config.dataDir;
    // Mid-month: the first ten are created, the next ten planned (the run stopped), then the backup.
    await createMany(h.client, h.ledger, month.slice(0, 10));
    h.ledger.planMany(month.slice(10, 20).map((input) => ({ ...input, realm: h.realm })));
    const backup = await backupStore(h.ctx.db, dataDir, path.join(dataDir, 'mid-month.db'));
    // The month goes on: everything is created after the backup was taken.
    const done = await createMany(h.client, h.ledger, month);
    expect(done.every((o) => o.state === 'created')).toBe(true);
    h.ctx.close();

    const result = restoreStore(dataDir, backup, storeFileName);
    expect(result.previous && fs.existsSync(result.previous)).toBeTruthy();
    const { ctx, client } = reopen(h, dataDir);
    try {
      const ledger = new QboLedger(ctx.db);
      expect(ledger.countByState(h.realm)).toMatchObject({ created: 10, planned: 10 });
      expect(ledger.markRestored()).toBe(10);
      const again = await createMany(client, ledger, month);
      expect(again.map((o) => o.state)).toEqual(month.map(() => 'created'));
      // The twenty created after the backup were found and adopted, not sent again.
      expect(again.filter((o) => o.state === 'created' && o.adopted)).toHaveLength(20);
      const docs = h.emulator.entities(h.realm, 'Invoice').map((i) => String(i.DocNumber));
      for (const input of month) expect(docs.filter((d) => d === input.lookup.docNumber)).toHaveLength(1);
    } finally {
      ctx.close();
      await h.server.close();
    }
  });

  it('a mid-month restore also recognises objects without a number of ours: auto-numbered invoices, customers', async () => {
    const h = await startHarness();
    // QuickBooks numbers the invoices itself: they are found by customer, date and the mark in PrivateNote.
    h.emulator.setCustomTxnNumbers(false);
    const item = itemId(h.emulator, h.realm, 'Hours');
    const day = '2024-05-31';
    const names = Array.from({ length: 6 }, (_, i) => `Restored Student ${i}`);
    const customers = names.map((name) => ({
      key: `restore:customer:${name}`,
      entity: 'Customer' as const,
      payload: { DisplayName: name },
      lookup: { displayName: name },
    }));
    const dataDir = h.ctx.config.dataDir;
    const invoicesFor = (ids: readonly string[]) =>
      ids.map((customer, i) => ({
        key: `restore:auto:2024-05:${i}`,
        entity: 'Invoice' as const,
        payload: {
          CustomerRef: { value: customer },
          TxnDate: day,
          PrivateNote: `May usage ${i}`,
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 25,
              SalesItemLineDetail: { ItemRef: { value: item } },
            },
          ],
        },
        lookup: { marker: { customerRef: customer, txnDate: day } },
      }));
    // Mid-month: half the customers and their invoices exist, then the backup is taken.
    const firstHalf = await createMany(h.client, h.ledger, customers.slice(0, 3));
    const ids = firstHalf.map((o) => (o.state === 'created' ? o.qboId : ''));
    await createMany(h.client, h.ledger, invoicesFor(ids));
    const backup = await backupStore(h.ctx.db, dataDir, path.join(dataDir, 'mid-month-auto.db'));
    // The month goes on: the other customers, and a second invoice for every customer (same customer, same
    // day, same amount as its sibling: only the mark can tell them apart).
    const all = await createMany(h.client, h.ledger, customers);
    const allIds = all.map((o) => (o.state === 'created' ? o.qboId : ''));
    const month = [
      ...invoicesFor(allIds),
      ...invoicesFor(allIds).map((input) => ({ ...input, key: `${input.key}:b` })),
    ];
    expect((await createMany(h.client, h.ledger, month)).every((o) => o.state === 'created')).toBe(true);
    const invoicesBefore = h.emulator.entities(h.realm, 'Invoice').length;
    const customersBefore = h.emulator.entities(h.realm, 'Customer').length;
    h.ctx.close();

    restoreStore(dataDir, backup, storeFileName);
    const { ctx, client } = reopen(h, dataDir);
    try {
      const ledger = new QboLedger(ctx.db);
      ledger.markRestored();
      const againCustomers = await createMany(client, ledger, customers);
      expect(againCustomers.map((o) => o.state === 'created' && o.qboId)).toEqual(allIds);
      const again = await createMany(client, ledger, month);
      expect(again.map((o) => o.state)).toEqual(month.map(() => 'created'));
      // Everything created after the backup was found by its mark (or name) and adopted, nothing sent again.
      expect(h.emulator.entities(h.realm, 'Invoice')).toHaveLength(invoicesBefore);
      expect(h.emulator.entities(h.realm, 'Customer')).toHaveLength(customersBefore);
      expect(new Set(again.map((o) => o.state === 'created' && o.qboId)).size).toBe(month.length);
    } finally {
      ctx.close();
      await h.server.close();
    }
  });

  it('refuses a file that is not a qb-bridge backup, leaving the store untouched', async () => {
    const ctx = testContext();
    const dataDir = ctx.config.dataDir;
    ctx.close();
    const bogus = path.join(dataDir, 'notes.db');
    fs.writeFileSync(bogus, 'not a database at all, just text that is long enough to be read as a header');
    const before = fs.readFileSync(path.join(dataDir, storeFileName));
    expect(() => restoreStore(dataDir, bogus, storeFileName)).toThrow(/not a usable qb-bridge backup/);
    expect(() => restoreStore(dataDir, path.join(dataDir, 'missing.db'), storeFileName)).toThrow(
      /does not exist/,
    );
    expect(fs.readFileSync(path.join(dataDir, storeFileName)).equals(before)).toBe(true);
  });
});
