import { afterEach, describe, expect, it } from 'vitest';
import { openMisDb } from '../../gateway/src/mis/mis-db';
import { runAll } from '../../gateway/src/mis/run-all';
import { analyze, preview, runBatch, runSingle, status } from '../../gateway/src/mis/service';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { tempDir, testContext } from '../helpers/context';
import { duplicateInvoices, type MisHarness, sampleExpectations, startMisHarness, statuses } from './helpers';

describe('MIS sync against MariaDB and the QBO emulator', () => {
  let h: MisHarness;
  afterEach(async () => h?.close());

  it('analyze counts statuses; preview shows what each row would become', async () => {
    h = await startMisHarness();
    const db = await openMisDb(h.mis.url);
    try {
      expect(await analyze(db)).toEqual({
        total_invoices: 11,
        already_synced: 1,
        not_synced: 10,
        failed: 0,
        in_progress: 0,
      });
      const page = await preview(db, 5, 0);
      expect(page.count).toBe(5);
      expect(page.invoices[0]).toMatchObject({
        invoice_id: 101,
        doc_number: 'MIS-101',
        amount_cents: 15_000_000,
        item_id: '6',
        student_details: { kind: 'student', name: 'Aline Uwase', quickbooks_customer_id: null },
      });
      expect(page.invoices[1]?.amount_cents).toBe(1_499_950);
      const rest = await preview(db, 100, 5);
      expect(rest.invoices.map((i) => i.invoice_id)).toEqual([106, 107, 108, 109, 110]);
      expect(rest.invoices.find((i) => i.invoice_id === 107)?.problem).toMatch(/Library Fee/);
    } finally {
      await db.close();
    }
  });

  it('all: creates customers and invoices, writes every status back, and reports the failures', async () => {
    h = await startMisHarness();
    const db = await openMisDb(h.mis.url);
    try {
      const result = await runAll(h.ctx, db, { batchSize: 4 });
      expect(result.total_processed).toBe(10);
      expect(result.total_successful).toBe(6);
      expect(result.total_failed).toBe(4);
      expect(result.customers_created).toBe(5);
      const after = await statuses(h.mis);
      for (const id of sampleExpectations.synced) expect(after[id]).toBe(1);
      for (const id of Object.keys(sampleExpectations.failed)) expect(after[Number(id)]).toBe(2);
      expect(after[111]).toBe(1);
      for (const [id, pattern] of Object.entries(sampleExpectations.failed)) {
        expect(result.still_failed.rows.find((r) => r.invoice_id === Number(id))?.error).toMatch(pattern);
      }

      const invoices = h.emulator
        .entities(h.realm, 'Invoice')
        .filter((i) => String(i.DocNumber).startsWith('MIS-'));
      expect(invoices).toHaveLength(6);
      const inv102 = invoices.find((i) => i.DocNumber === 'MIS-102')!;
      expect(inv102.TotalAmt).toBe(14_999.5);
      expect(inv102.TxnDate).toBe('2025-09-02');
      expect(String(inv102.PrivateNote)).toContain('Invoice ID: 102, Student: REG/2025/001');
      const inv104 = invoices.find((i) => i.DocNumber === 'MIS-104')!;
      expect(inv104.TotalAmt).toBe(1234.56);
      expect(JSON.stringify(inv104.Line)).toContain("O'Neill's fee — 1ère tranche");

      const customers = h.emulator.entities(h.realm, 'Customer');
      const jp = customers.find((c) => c.DisplayName === 'REG/2025/002')!;
      expect(jp.GivenName).toBe('Jean-Paul');
      expect(jp.PrimaryEmailAddr).toBeUndefined(); // invalid email left out
      expect(jp.PrimaryPhone).toBeUndefined(); // "12" is no phone number
      const zoe = customers.find((c) => c.DisplayName === 'REG/2025/004')!;
      expect(zoe.FamilyName).toBe('Müller-Đorđević');
      expect(customers.find((c) => c.DisplayName === 'REG/2025/003')?.FamilyName).toBe("O'Neill");
      expect(customers.find((c) => c.DisplayName === 'APP-7781')?.GivenName).toBe('Eric');

      const [student] = await h.mis.rows<{ qk_id: string }>(
        "SELECT qk_id FROM tbl_personal_ug WHERE reg_no = 'REG/2025/001'",
      );
      expect(student?.qk_id).toBe(String(customers.find((c) => c.DisplayName === 'REG/2025/001')?.Id));
      const [applicant] = await h.mis.rows<{ quickbooks_id: string }>(
        'SELECT quickbooks_id FROM tbl_online_application',
      );
      expect(applicant?.quickbooks_id).toMatch(/^\d+$/);
      const [row] = await h.mis.rows<{ quickbooks_id: string; pushed_by: string; pushed_date: string }>(
        'SELECT quickbooks_id, pushed_by, pushed_date FROM tbl_imvoice WHERE id = 101',
      );
      expect(row?.quickbooks_id).toBe(String(invoices.find((i) => i.DocNumber === 'MIS-101')?.Id));
      expect(row?.pushed_by).toBe('qb-bridge (cli)');
      expect(row?.pushed_date).toMatch(/^\d{4}-\d{2}-\d{2} /);

      // Failed rows are retried at most MIS_MAX_ATTEMPTS times, and never loop within a run.
      const second = await runAll(h.ctx, db, { batchSize: 4 });
      expect(second.total_processed).toBe(4);
      expect(second.total_failed).toBe(4);
      await runAll(h.ctx, db, { batchSize: 4 });
      const fourth = await runAll(h.ctx, db, { batchSize: 4 });
      expect(fourth.total_processed).toBe(0);
      expect(fourth.still_failed.count).toBe(4);
      const [failed] = await h.mis.rows<{ pushed_by: string }>(
        'SELECT pushed_by FROM tbl_imvoice WHERE id = 110',
      );
      expect(failed?.pushed_by).toMatch(/^qb-bridge failed 3\/3: Customer not found/);
      expect(duplicateInvoices(h)).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('batch takes at most batch_size rows; single syncs one id; a fixed category is picked up on retry', async () => {
    h = await startMisHarness();
    const db = await openMisDb(h.mis.url);
    try {
      const first = await runBatch(h.ctx, db, 2);
      expect(first).toMatchObject({ total_processed: 2, successful: 2, failed: 0 });
      expect(first.success_details.map((d) => d.invoice_id)).toEqual([101, 102]);

      const single = await runSingle(h.ctx, db, 107);
      expect(single).toMatchObject({ total_processed: 1, successful: 0, failed: 1 });
      await h.mis.exec('UPDATE tbl_income_category SET QuickBk_ctgId = 1 WHERE id = 3');
      const again = await runSingle(h.ctx, db, 107);
      expect(again).toMatchObject({ successful: 1, failed: 0 });
      await expect(runSingle(h.ctx, db, 107)).rejects.toThrow(/already synchronized/);
      await expect(runSingle(h.ctx, db, 9999)).rejects.toThrow(/not found/);

      const dry = await runBatch(h.ctx, db, 100, { dryRun: true });
      expect(dry.dry_run).toBe(true);
      expect(dry.total_processed).toBe(7);
      const before = await statuses(h.mis);
      expect(before[103]).toBe(0);

      const report = await status(h.ctx, db);
      expect(report.statistics.already_synced).toBe(4);
      expect(report.quickbooks_connected).toBe(true);
      expect(report.progress_percentage).toBeCloseTo(36.4, 1);
    } finally {
      await db.close();
    }
  });

  it('two gateway instances (own stores, own pools) running all at once: every row once, no duplicate', async () => {
    h = await startMisHarness({ seed: false });
    await h.mis.exec(
      "INSERT INTO tbl_income_category (id, name, QuickBk_ctgId) VALUES (1, 'Tuition Fee', 6)",
    );
    const people = Array.from({ length: 150 }, (_, i) => `(${i + 1}, 'S${i + 1}', 'G', 'F')`);
    await h.mis.exec(
      `INSERT INTO tbl_personal_ug (per_id_ug, reg_no, fname, lname) VALUES ${people.join(',')}`,
    );
    const invoices = Array.from(
      { length: 300 },
      (_, i) => `(${i + 1}, 'S${(i % 150) + 1}', 1, 100, 0, '2025-01-02', 0)`,
    );
    await h.mis.exec(
      `INSERT INTO tbl_imvoice (id, reg_no, fee_category, dept, credit, invoice_date, QuickBk_Status) VALUES ${invoices.join(',')}`,
    );
    const other = testContext({ ...h.env, DATA_DIR: tempDir('qbb-mis-other-') });
    createTokenVault(other).saveFromCodeExchange(h.realm, parseTokenResponse(h.emulator.issueTokens()), {
      actor: 'test',
    });
    const [dbA, dbB] = [await openMisDb(h.mis.url), await openMisDb(h.mis.url)];
    try {
      const [a, b] = await Promise.all([
        runAll(h.ctx, dbA, { batchSize: 20 }),
        runAll(other, dbB, { batchSize: 20 }),
      ]);
      if (a.total_processed + b.total_processed !== 300)
        console.log(
          JSON.stringify(
            await h.mis.rows(
              'SELECT QuickBk_Status, LEFT(pushed_by, 60) AS p, COUNT(*) AS n FROM tbl_imvoice GROUP BY 1, 2',
            ),
          ),
          a.total_processed,
          b.total_processed,
          a.batches_processed,
          b.batches_processed,
        );
      expect(a.total_processed + b.total_processed).toBe(300);
      expect([...a.errors, ...b.errors].slice(0, 3)).toEqual([]);
      expect(a.total_successful + b.total_successful).toBe(300);
      expect(a.total_processed).toBeGreaterThan(0);
      expect(b.total_processed).toBeGreaterThan(0);
      expect(
        h.emulator.entities(h.realm, 'Invoice').filter((i) => String(i.DocNumber).startsWith('MIS-')),
      ).toHaveLength(300);
      expect(duplicateInvoices(h)).toBe(0);
      // Both instances may meet the same student: find-or-create by name keeps one customer each.
      const names = h.emulator.entities(h.realm, 'Customer').map((c) => String(c.DisplayName));
      expect(names.filter((n) => /^S\d+$/.test(n))).toHaveLength(150);
    } finally {
      await dbA.close();
      await dbB.close();
      other.close();
    }
  }, 60_000);

  it('an existing QuickBooks customer with the registration number is adopted; a vendor holding it fails with a sentence', async () => {
    h = await startMisHarness();
    const existing = h.emulator.create(h.realm, 'Customer', {
      DisplayName: 'REG/2025/003',
      GivenName: 'Siobhan',
    });
    h.emulator.create(h.realm, 'Vendor', { DisplayName: 'REG/2025/004' });
    const db = await openMisDb(h.mis.url);
    try {
      const result = await runAll(h.ctx, db, { batchSize: 20 });
      expect(result.total_successful).toBe(5);
      const [student] = await h.mis.rows<{ qk_id: string }>(
        "SELECT qk_id FROM tbl_personal_ug WHERE reg_no = 'REG/2025/003'",
      );
      expect(student?.qk_id).toBe(String(existing.Id));
      expect(
        h.emulator.entities(h.realm, 'Customer').filter((c) => c.DisplayName === 'REG/2025/003'),
      ).toHaveLength(1);
      expect(result.errors.find((e) => e.invoice_id === 105)?.error).toMatch(/REG\/2025\/004.*vendor/i);
      expect((await statuses(h.mis))[105]).toBe(2);
    } finally {
      await db.close();
    }
  });
});
