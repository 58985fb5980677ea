import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClaimPolicy,
  claimPage,
  newClaimToken,
  releaseClaim,
  writeBack,
} from '../../gateway/src/mis/claim';
import { type MisDb, MisSchemaError, openMisDb } from '../../gateway/src/mis/mis-db';
import { readClaimed } from '../../gateway/src/mis/sync-page';
import { createTestMis, type TestMis } from './helpers';

const policy: ClaimPolicy = { leaseSeconds: 600, retryDelaySeconds: 0, maxAttempts: 3 };

async function seedInvoices(mis: TestMis, n: number): Promise<void> {
  const values = Array.from({ length: n }, (_, i) => `(${i + 1}, 'REG/${i}', 1, 100, 0, '2025-01-01', 0)`);
  await mis.exec(
    `INSERT INTO tbl_imvoice (id, reg_no, fee_category, dept, credit, invoice_date, QuickBk_Status) VALUES ${values.join(',')}`,
  );
}

describe('claiming MIS rows (real MariaDB)', () => {
  let mis: TestMis;
  const dbs: MisDb[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.close();
    await mis.drop();
  });

  async function open(): Promise<MisDb> {
    const db = await openMisDb(mis.url);
    dbs.push(db);
    return db;
  }

  it('two workers with their own pools claiming at the same time never take the same row', async () => {
    mis = await createTestMis();
    await seedInvoices(mis, 600);
    const [a, b] = [await open(), await open()];
    const takenBy = new Map<number, string>();
    const collisions: number[] = [];
    async function worker(db: MisDb, name: string): Promise<void> {
      for (;;) {
        const token = newClaimToken(`${name}#1`);
        const n = await claimPage(db, token, policy, 25);
        if (n === 0) return;
        const rows = await readClaimed(db, token);
        expect(rows).toHaveLength(n);
        for (const row of rows) {
          if (takenBy.has(row.id)) collisions.push(row.id);
          takenBy.set(row.id, name);
          await writeBack(db, token, row.id, { kind: 'synced', qboId: String(row.id), by: name });
        }
      }
    }
    await Promise.all([worker(a, 'a'), worker(b, 'b'), worker(a, 'a2'), worker(b, 'b2')]);
    expect(collisions).toEqual([]);
    expect(takenBy.size).toBe(600);
    expect(new Set(takenBy.values()).size).toBeGreaterThan(1);
    const [left] = await mis.rows<{ n: number }>(
      'SELECT COUNT(*) AS n FROM tbl_imvoice WHERE QuickBk_Status <> 1',
    );
    expect(Number(left?.n)).toBe(0);
  });

  it('a fresh claim by a live worker is left alone; a stale one and a dead local worker’s are taken back', async () => {
    mis = await createTestMis();
    await seedInvoices(mis, 4);
    const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, '-');
    await mis.exec(
      `UPDATE tbl_imvoice SET QuickBk_Status = 3, pushed_date = UTC_TIMESTAMP(), pushed_by = 'qb-bridge claim elsewhere#1/aaaa try 1' WHERE id = 1`,
    );
    await mis.exec(
      `UPDATE tbl_imvoice SET QuickBk_Status = 3, pushed_date = UTC_TIMESTAMP() - INTERVAL 2 HOUR, pushed_by = 'qb-bridge claim elsewhere#1/bbbb try 1' WHERE id = 2`,
    );
    // A pid far above pid_max: on this host, certainly not running.
    await mis.exec(
      `UPDATE tbl_imvoice SET QuickBk_Status = 3, pushed_date = UTC_TIMESTAMP(), pushed_by = ? WHERE id = 3`,
      [`qb-bridge claim ${host}#99999999/cccc try 1`],
    );
    // Our own process: alive, so not taken.
    await mis.exec(
      `UPDATE tbl_imvoice SET QuickBk_Status = 3, pushed_date = UTC_TIMESTAMP(), pushed_by = ? WHERE id = 4`,
      [`qb-bridge claim ${host}#${process.pid}/dddd try 1`],
    );
    const db = await open();
    const token = newClaimToken();
    expect(await claimPage(db, token, policy, 10)).toBe(2);
    expect((await readClaimed(db, token)).map((r) => r.id)).toEqual([2, 3]);
    // A stale worker writing after its row was taken over changes nothing.
    expect(
      await writeBack(db, 'qb-bridge claim elsewhere#1/bbbb try ', 2, { kind: 'pending', reason: 'x' }),
    ).toBe(false);
    expect(await releaseClaim(db, token, 'test')).toBe(2);
    const rows = await mis.rows<{ id: number; QuickBk_Status: number; pushed_by: string }>(
      'SELECT id, QuickBk_Status, pushed_by FROM tbl_imvoice ORDER BY id',
    );
    expect(rows.map((r) => r.QuickBk_Status)).toEqual([3, 0, 0, 3]);
    expect(rows[1]?.pushed_by).toBe('qb-bridge pending: test');
  });

  it('failed rows come back after the retry delay, at most maxAttempts times in all', async () => {
    mis = await createTestMis();
    await seedInvoices(mis, 1);
    const db = await open();
    const slow = { ...policy, retryDelaySeconds: 3600 };
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const token = newClaimToken();
      expect(await claimPage(db, token, policy, 10)).toBe(1);
      const [row] = await readClaimed(db, token);
      expect(row?.pushed_by).toBe(`${token}${attempt}`);
      await writeBack(db, token, 1, { kind: 'failed', reason: 'Invalid amount', attempt, maxAttempts: 3 });
      // Not due yet under a real delay.
      expect(await claimPage(db, newClaimToken(), slow, 10)).toBe(0);
    }
    expect(await claimPage(db, newClaimToken(), policy, 10)).toBe(0);
    const [row] = await mis.rows<{ pushed_by: string }>('SELECT pushed_by FROM tbl_imvoice');
    expect(row?.pushed_by).toBe('qb-bridge failed 3/3: Invalid amount');
  });

  it('a MIS without one of the columns is refused before anything is read, naming it', async () => {
    mis = await createTestMis(
      `CREATE TABLE tbl_imvoice (id INT PRIMARY KEY, reg_no VARCHAR(200), fee_category INT, dept FLOAT, credit FLOAT,
         invoice_date DATETIME, comment VARCHAR(900), QuickBk_Status INT, pushed_by VARCHAR(200), pushed_date DATETIME,
         quickbooks_id VARCHAR(255));
       CREATE TABLE tbl_income_category (id INT PRIMARY KEY, name VARCHAR(100), QuickBk_ctgId INT);
       CREATE TABLE tbl_personal_ug (per_id_ug INT PRIMARY KEY, reg_no VARCHAR(200), fname VARCHAR(100), lname VARCHAR(100));
       CREATE TABLE tbl_online_application (appl_Id INT PRIMARY KEY, tracking_id VARCHAR(100), first_name VARCHAR(100),
         family_name VARCHAR(100), quickbooks_id VARCHAR(255));`,
    );
    const error = await openMisDb(mis.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MisSchemaError);
    expect((error as Error).message).toMatch(/^The MIS database lacks column tbl_personal_ug\.qk_id;/);
  });
});
