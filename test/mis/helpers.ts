import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import type { AppContext } from '../../gateway/src/app/context';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import { createEmulator, type Emulator, type RunningEmulator } from '../../gateway/src/sandbox/emulator';
import { tempDir, testContext } from '../helpers/context';

/**
 * A throwaway MIS on the real MariaDB server (MIS_TEST_DATABASE_URL, default root on 127.0.0.1:3306): a
 * database with a unique name holding the four MIS tables as the seed system has them (FLOAT money,
 * DATETIME dates, utf8mb4, the extra columns we never touch), dropped afterwards.
 */

export const serverUrl = process.env.MIS_TEST_DATABASE_URL || 'mysql://root@127.0.0.1:3306/';

export const misSchema = `
CREATE TABLE tbl_income_category (
  id INT PRIMARY KEY AUTO_INCREMENT, invTypeId INT, camp_id INT, prg_type INT, splz_id INT,
  name VARCHAR(100), amount FLOAT, description TEXT, recorded_date DATETIME, recorded_by VARCHAR(50),
  status_Id INT DEFAULT 1, category VARCHAR(200), QuickBk_ctgId INT
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE tbl_personal_ug (
  per_id_ug INT PRIMARY KEY AUTO_INCREMENT, reg_no VARCHAR(200) NOT NULL, prg_type INT, sex VARCHAR(6),
  fname VARCHAR(250), middlename VARCHAR(200), lname VARCHAR(100), dob DATE, national_id VARCHAR(20),
  nationality VARCHAR(50), phone1 VARCHAR(100), phone2 VARCHAR(20), email1 VARCHAR(50), email2 VARCHAR(50),
  reg_date DATETIME, auth_ccs_nnc VARCHAR(5) DEFAULT '0', qk_id VARCHAR(50),
  pushed_by VARCHAR(200) DEFAULT 'System Auto Push', pushed_date DATETIME, QuickBk_Status INT DEFAULT 0,
  KEY reg_no (reg_no)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE tbl_online_application (
  appl_Id INT PRIMARY KEY AUTO_INCREMENT, tracking_id VARCHAR(100), reg_no VARCHAR(200),
  first_name VARCHAR(100), middlename VARCHAR(100), family_name VARCHAR(100), email VARCHAR(100),
  phone VARCHAR(30), camp_id INT, intake_id INT, status INT, QuickBk_Status INT DEFAULT 0,
  pushed_by VARCHAR(200), pushed_date DATETIME, quickbooks_id VARCHAR(255), KEY tracking_id (tracking_id)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE tbl_imvoice (
  id INT PRIMARY KEY AUTO_INCREMENT, reg_no VARCHAR(200), level_id INT, fee_category INT, module_id INT,
  Rpt_Id INT, appl_Id INT, dept FLOAT, credit FLOAT, balance FLOAT, invoice_date DATETIME,
  reference_number VARCHAR(255), comment VARCHAR(900), user VARCHAR(20), date DATETIME, intake_id INT,
  QuickBk_Status INT DEFAULT 0, pushed_by VARCHAR(200), pushed_date DATETIME, quickbooks_id VARCHAR(255)
) DEFAULT CHARSET=utf8mb4;
`;

export interface TestMis {
  name: string;
  /** MIS_DATABASE_URL for this database. */
  url: string;
  conn: mysql.Connection;
  rows<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  exec(sql: string, values?: unknown[]): Promise<void>;
  drop(): Promise<void>;
}

export async function createTestMis(schema = misSchema): Promise<TestMis> {
  const name = `qbb_mis_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const base = new URL(serverUrl);
  const conn = await mysql.createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
    multipleStatements: true,
    charset: 'utf8mb4',
    dateStrings: true,
  });
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await conn.query(`USE \`${name}\``);
  await conn.query(schema);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    conn,
    async rows<T>(sql: string, values: unknown[] = []) {
      const [rows] = await conn.query(sql, values);
      return rows as T[];
    },
    async exec(sql: string, values: unknown[] = []) {
      await conn.query(sql, values);
    },
    async drop() {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** Emulator item ids (seed.ts): 1 Services, 6 Tuition. */
export const items = { services: 1, tuition: 6 };

/**
 * Students, an applicant, categories and invoices, including the bad ones the sync must fail with a
 * reason: unmapped category, zero and negative amounts, a student missing from the MIS, an invalid email,
 * names with apostrophes and non-ASCII letters.
 */
export async function seedSample(mis: TestMis): Promise<void> {
  await mis.exec(
    `INSERT INTO tbl_income_category (id, name, amount, status_Id, QuickBk_ctgId) VALUES
      (1, 'Tuition Fee', 150000, 1, ?), (2, 'Registration Fee', 20000, 1, ?), (3, 'Library Fee', 5000, 1, NULL)`,
    [items.tuition, items.services],
  );
  await mis.exec(
    `INSERT INTO tbl_personal_ug (per_id_ug, reg_no, fname, middlename, lname, email1, phone1) VALUES
      (1, 'REG/2025/001', 'Aline', '', 'Uwase', 'aline@example.rw', '+250 788 123 456'),
      (2, 'REG/2025/002', 'Jean-Paul', 'Marie', 'Habimana', 'not-an-email', '12'),
      (3, 'REG/2025/003', 'Siobhán', '', 'O''Neill', 'siobhan.oneill@example.ie', NULL),
      (4, 'REG/2025/004', 'Zoë', '', 'Müller-Đorđević', NULL, '0788000111')`,
  );
  await mis.exec(
    `INSERT INTO tbl_online_application (appl_Id, tracking_id, first_name, family_name, email, phone) VALUES
      (1, 'APP-7781', 'Eric', 'Nshuti', 'eric@example.rw', '0788999888')`,
  );
  await mis.exec(
    `INSERT INTO tbl_imvoice (id, reg_no, fee_category, dept, credit, invoice_date, comment, QuickBk_Status) VALUES
      (101, 'REG/2025/001', 1, 150000, 0, '2025-09-01 08:00:00', 'Semester 1', 0),
      (102, 'REG/2025/001', 2, 20000, 5000.5, '2025-09-02 08:00:00', NULL, NULL),
      (103, 'REG/2025/002', 1, 150000.25, 0, '2025-09-03 00:00:00', 'Semester 1', 0),
      (104, 'REG/2025/003', 1, 1234.56, 0, '2025-09-04 00:00:00', 'O''Neill''s fee — 1ère tranche', 0),
      (105, 'REG/2025/004', 2, 20000, 0, '2025-09-05 00:00:00', NULL, 0),
      (106, 'APP-7781', 2, 20000, 0, '2025-09-06 00:00:00', 'Application', 0),
      (107, 'REG/2025/001', 3, 5000, 0, '2025-09-07 00:00:00', NULL, 0),
      (108, 'REG/2025/001', 1, 0, 0, '2025-09-08 00:00:00', NULL, 0),
      (109, 'REG/2025/001', 1, -500, 0, '2025-09-09 00:00:00', NULL, 0),
      (110, 'REG/2099/999', 1, 150000, 0, '2025-09-10 00:00:00', NULL, 0),
      (111, 'REG/2025/001', 1, 90000, 0, '2025-09-11 00:00:00', 'already done', 1)`,
  );
}

export const sampleExpectations = {
  synced: [101, 102, 103, 104, 105, 106],
  failed: {
    107: /Library Fee.*no QuickBooks item/,
    108: /Invalid amount/,
    109: /Invalid amount/,
    110: /Customer not found/,
  },
};

export interface MisHarness {
  emulator: Emulator;
  server: RunningEmulator;
  ctx: AppContext;
  env: Record<string, string>;
  mis: TestMis;
  realm: string;
  close(): Promise<void>;
}

export const testTimeScale = 600;

/** An emulator, a store connected to it, and a throwaway MIS; `env` runs the CLI against the same. */
export async function startMisHarness(
  options: { seed?: boolean; env?: Record<string, string>; mis?: TestMis } = {},
): Promise<MisHarness> {
  const emulator = createEmulator({ timeScale: testTimeScale, accessTokenTtlSeconds: 3600 * testTimeScale });
  const server = await emulator.listen(0, '127.0.0.1');
  const mis = options.mis ?? (await createTestMis());
  if (options.seed ?? true) await seedSample(mis);
  const dir = tempDir('qbb-mis-');
  const env: Record<string, string> = {
    DATA_DIR: dir,
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: server.url,
    QBO_REALM_ID: emulator.realmId,
    QBO_EMULATOR_TIME_SCALE: String(testTimeScale),
    QB_BRIDGE_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    MIS_DATABASE_URL: mis.url,
    MIS_RETRY_DELAY_SECONDS: '0',
    ...options.env,
  };
  const ctx = testContext(env);
  createTokenVault(ctx).saveFromCodeExchange(emulator.realmId, parseTokenResponse(emulator.issueTokens()), {
    actor: 'test',
  });
  return {
    emulator,
    server,
    ctx,
    env,
    mis,
    realm: emulator.realmId,
    async close() {
      ctx.close();
      await server.close();
      await mis.drop();
    },
  };
}

export async function statuses(mis: TestMis): Promise<Record<number, number | null>> {
  const rows = await mis.rows<{ id: number; QuickBk_Status: number | null }>(
    'SELECT id, QuickBk_Status FROM tbl_imvoice ORDER BY id',
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.QuickBk_Status]));
}

/** Invoices in the emulator − distinct DocNumbers: any duplicate shows as > 0. */
export function duplicateInvoices(h: Pick<MisHarness, 'emulator' | 'realm'>): number {
  const docs = h.emulator.entities(h.realm, 'Invoice').map((i) => String(i.DocNumber));
  return docs.length - new Set(docs).size;
}
