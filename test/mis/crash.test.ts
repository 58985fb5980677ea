import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, repoRoot, runCliAsync } from '../helpers/cli';
import { items, type MisHarness, startMisHarness } from './helpers';

/**
 * kill -9 of a `qb-bridge mis all` worker at several points (during customer creation, mid-invoices, late),
 * then restarts: no invoice or customer twice in QuickBooks, no row lost or left in status 3. Then the
 * same with the emulator answering 20% of calls with a 5xx and committing-then-dropping 10% of writes.
 */

const students = 60;
const perStudent = 3;
const good = students * perStudent;
const bad = [good + 1, good + 2];

async function seedMany(h: MisHarness): Promise<void> {
  await h.mis.exec(
    'INSERT INTO tbl_income_category (id, name, QuickBk_ctgId) VALUES (1, ?, ?), (2, ?, NULL)',
    ['Tuition Fee', items.tuition, 'Unmapped Fee'],
  );
  const people = Array.from(
    { length: students },
    (_, i) => `(${i + 1}, 'R${i + 1}', 'Given${i}', 'Family${i}')`,
  );
  await h.mis.exec(
    `INSERT INTO tbl_personal_ug (per_id_ug, reg_no, fname, lname) VALUES ${people.join(',')}`,
  );
  const invoices: string[] = [];
  for (let id = 1; id <= good; id += 1) {
    invoices.push(`(${id}, 'R${((id - 1) % students) + 1}', 1, ${1000 + id}.25, 0, '2025-10-01', 0)`);
  }
  for (const id of bad) invoices.push(`(${id}, 'R1', 2, 100, 0, '2025-10-01', 0)`);
  await h.mis.exec(
    `INSERT INTO tbl_imvoice (id, reg_no, fee_category, dept, credit, invoice_date, QuickBk_Status) VALUES ${invoices.join(',')}`,
  );
}

function startWorker(h: MisHarness): ChildProcess {
  return spawn(process.execPath, [cliPath, 'mis', 'all', '--batch-size', '30', '--json'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...h.env },
    stdio: 'ignore',
  });
}

const misInvoices = (h: MisHarness) =>
  h.emulator.entities(h.realm, 'Invoice').filter((i) => String(i.DocNumber).startsWith('MIS-'));

/** Starts a worker and kills it with SIGKILL once `when` holds (or lets it finish if it never does). */
async function killWhen(h: MisHarness, when: () => boolean): Promise<boolean> {
  const child = startWorker(h);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let killed = false;
  const poll = setInterval(() => {
    if (!killed && when()) {
      killed = child.kill('SIGKILL');
    }
  }, 5);
  await exited;
  clearInterval(poll);
  return killed;
}

async function counts(h: MisHarness): Promise<Record<string, number>> {
  const rows = await h.mis.rows<{ s: number | null; n: number }>(
    'SELECT QuickBk_Status AS s, COUNT(*) AS n FROM tbl_imvoice GROUP BY QuickBk_Status',
  );
  return Object.fromEntries(rows.map((r) => [String(r.s ?? 0), Number(r.n)]));
}

/** The ledger's send lease in these runs (the client's timeout at the test time scale + 5 s), and a little. */
const leaseOver = () => new Promise((resolve) => setTimeout(resolve, 6_000));

/** Runs `all` to the end until every good row is synced (rows another run was sending wait for its lease). */
async function finish(h: MisHarness): Promise<void> {
  for (let round = 0; round < 8; round += 1) {
    const result = await runCliAsync(['mis', 'all', '--batch-size', '30', '--json'], h.env);
    expect([0, 1, 3]).toContain(result.code);
    const c = await counts(h);
    if ((c['1'] ?? 0) === good && (c['2'] ?? 0) + (c['1'] ?? 0) === good + bad.length) return;
    // A row the killed worker was sending stays its own for the ledger's send lease (10 s here).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}

function expectExactlyOnce(h: MisHarness): void {
  const invoices = misInvoices(h);
  const docs = invoices.map((i) => String(i.DocNumber));
  expect(new Set(docs).size).toBe(docs.length);
  expect(docs.length).toBe(good);
  const names = h.emulator.entities(h.realm, 'Customer').map((c) => String(c.DisplayName));
  expect(new Set(names).size).toBe(names.length);
  expect(names.filter((n) => /^R\d+$/.test(n))).toHaveLength(students);
}

async function expectMisSettled(h: MisHarness): Promise<void> {
  const c = await counts(h);
  expect(c).toEqual({ '1': good, '2': bad.length });
  // Every synced row points at the QuickBooks invoice with its DocNumber.
  const byDoc = new Map(misInvoices(h).map((i) => [String(i.DocNumber), String(i.Id)]));
  const rows = await h.mis.rows<{ id: number; quickbooks_id: string }>(
    'SELECT id, quickbooks_id FROM tbl_imvoice WHERE QuickBk_Status = 1',
  );
  for (const row of rows) expect(row.quickbooks_id).toBe(byDoc.get(`MIS-${row.id}`));
  const [linked] = await h.mis.rows<{ n: number }>(
    'SELECT COUNT(*) AS n FROM tbl_personal_ug WHERE qk_id IS NOT NULL',
  );
  expect(Number(linked?.n)).toBe(students);
}

describe('crash safety of the MIS worker (kill -9, restart)', () => {
  let h: MisHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('killed during customer creation, mid-invoices and late: no duplicates, nothing left in 3', async () => {
    const harness = await startMisHarness({ seed: false });
    h = harness;
    await seedMany(harness);
    harness.emulator.faults.latencyMs = 15;
    const customers = () => harness.emulator.entities(harness.realm, 'Customer').length;
    const before = customers();
    // Between kills, wait out the send lease: until then the rows the killed worker was sending stay its
    // own (the ledger's fencing), so a worker started at once would find nothing it may send and stop early.
    const kills = [await killWhen(harness, () => customers() > before)];
    await leaseOver();
    kills.push(await killWhen(harness, () => misInvoices(harness).length >= 60));
    await leaseOver();
    kills.push(await killWhen(harness, () => misInvoices(harness).length >= 140));
    expect(kills.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    harness.emulator.faults.latencyMs = 0;
    await finish(harness);
    expectExactlyOnce(harness);
    await expectMisSettled(harness);
  }, 240_000);

  it('the same with 20% 5xx and 10% commit-then-drop from QuickBooks', async () => {
    const harness = await startMisHarness({ seed: false });
    h = harness;
    await seedMany(harness);
    harness.emulator.faults.latencyMs = 10;
    harness.emulator.faults.errorRate = 0.2;
    harness.emulator.faults.dropAfterCommitRate = 0.1;
    const kills = [
      await killWhen(harness, () => misInvoices(harness).length >= 30),
      await killWhen(harness, () => misInvoices(harness).length >= 100),
    ];
    expect(kills).toContain(true);
    await finish(harness);
    harness.emulator.faults.reset();
    await finish(harness);
    expectExactlyOnce(harness);
    await expectMisSettled(harness);
  }, 300_000);
});
