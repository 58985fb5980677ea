import fs from 'node:fs';
import type { Pool, PoolOptions, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/**
 * The MIS database adapter: a bounded mysql2 pool and the few parameterised statements the flow needs.
 * qb-bridge never alters the MIS schema; it reads the tables below and writes only the columns meant for
 * QuickBooks bookkeeping (`QuickBk_Status`, `pushed_by`, `pushed_date`, `quickbooks_id`, `qk_id`).
 */

/** A MIS that lacks a column the flow relies on: one sentence naming it, raised before any row is touched. */
export class MisSchemaError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(
      `The MIS database lacks ${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')}; ` +
        'qb-bridge never changes the MIS schema, so add it there (the seed schema in seed-systems.md §3) or point MIS_DATABASE_URL at the right database',
    );
    this.name = 'MisSchemaError';
  }
}

/** The MIS could not be reached or refused us; the message names the host, never the password. */
export class MisConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MisConnectionError';
  }
}

/** Columns the flow cannot work without, per table. */
export const requiredColumns: Record<string, readonly string[]> = {
  tbl_imvoice: [
    'id',
    'reg_no',
    'fee_category',
    'dept',
    'credit',
    'invoice_date',
    'comment',
    'QuickBk_Status',
    'pushed_by',
    'pushed_date',
    'quickbooks_id',
  ],
  tbl_income_category: ['id', 'name', 'QuickBk_ctgId'],
  tbl_personal_ug: ['per_id_ug', 'reg_no', 'fname', 'lname', 'qk_id'],
  tbl_online_application: ['appl_Id', 'tracking_id', 'first_name', 'family_name', 'quickbooks_id'],
};

/** Read when present (contact details, middle names); their absence only drops that detail. */
const optionalColumns: Record<string, readonly string[]> = {
  tbl_imvoice: ['date'],
  tbl_personal_ug: ['middlename', 'email1', 'email2', 'phone1', 'phone2'],
  tbl_online_application: ['middlename', 'email', 'phone', 'phone_number'],
};

export type ColumnSet = Record<string, ReadonlySet<string>>;

export interface MisDbOptions {
  /** Pool size (default 5): the flow needs one connection for claims and one for write-back. */
  connectionLimit?: number;
  connectTimeoutMs?: number;
  /** Per statement (default 30 s); a hung MIS fails the run instead of holding it forever. */
  queryTimeoutMs?: number;
}

/** Pool settings from a `mysql://user:pass@host:port/db?ssl=required` URL; TLS options pass through. */
export function poolOptionsFromUrl(url: string, options: MisDbOptions = {}): PoolOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mysql:') throw new MisConnectionError('MIS_DATABASE_URL must start with mysql://');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const params = parsed.searchParams;
  let ssl: { rejectUnauthorized: boolean; ca?: string } | undefined;
  const sslParam = params.get('ssl') ?? params.get('ssl-mode');
  const caPath = params.get('ssl-ca');
  if ((sslParam && !['false', '0', 'disabled', 'DISABLED'].includes(sslParam)) || caPath) {
    ssl = { rejectUnauthorized: params.get('ssl-reject-unauthorized') !== 'false' };
    if (caPath) ssl.ca = fs.readFileSync(caPath, 'utf8');
  }
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database: database || undefined,
    charset: 'utf8mb4',
    timezone: 'Z',
    // DATETIME as text: the MIS stores naive UTC times and no Date conversion may shift them.
    dateStrings: true,
    connectionLimit: options.connectionLimit ?? 5,
    maxIdle: options.connectionLimit ?? 5,
    idleTimeout: 60_000,
    queueLimit: 100,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    enableKeepAlive: true,
    ssl,
  };
}

export interface MisDb {
  readonly pool: Pool;
  readonly columns: ColumnSet;
  readonly queryTimeoutMs: number;
  /** The MIS database's name (the scope of its `all` job). */
  readonly database: string;
  /** Rows of a parameterised SELECT. */
  select<T>(sql: string, values?: readonly unknown[]): Promise<T[]>;
  /** A parameterised UPDATE; returns the affected row count. */
  update(sql: string, values?: readonly unknown[]): Promise<number>;
  has(table: string, column: string): boolean;
  close(): Promise<void>;
}

function describeConnectionError(error: unknown, options: PoolOptions): MisConnectionError {
  const e = error as { code?: string; message?: string };
  const where = `${options.host}:${options.port}${options.database ? `/${options.database}` : ''}`;
  if (e.code === 'ER_ACCESS_DENIED_ERROR')
    return new MisConnectionError(
      `The MIS database at ${where} refused user "${options.user}"; check the user and password in MIS_DATABASE_URL`,
    );
  if (e.code === 'ER_BAD_DB_ERROR')
    return new MisConnectionError(
      `The MIS database ${where} does not exist; fix the database name in MIS_DATABASE_URL`,
    );
  if (e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT' || e.code === 'ENOTFOUND')
    return new MisConnectionError(
      `Cannot reach the MIS database at ${where} (${e.code}); is MySQL/MariaDB running and MIS_DATABASE_URL right?`,
    );
  return new MisConnectionError(`The MIS database at ${where} failed: ${e.message ?? String(error)}`);
}

/** Columns present in the MIS tables we use (information_schema; needs no privilege beyond SELECT). */
async function readColumns(pool: Pool): Promise<ColumnSet> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`,
    [Object.keys(requiredColumns)],
  );
  const out: Record<string, Set<string>> = {};
  for (const table of Object.keys(requiredColumns)) out[table] = new Set();
  for (const row of rows) out[String(row.t)]?.add(String(row.c));
  return out;
}

/** Which required columns are missing, as `table.column` (a missing table lists as `table`). */
export function missingColumns(columns: ColumnSet): string[] {
  const missing: string[] = [];
  for (const [table, wanted] of Object.entries(requiredColumns)) {
    const have = columns[table];
    if (!have || have.size === 0) {
      missing.push(table);
      continue;
    }
    for (const column of wanted) if (!have.has(column)) missing.push(`${table}.${column}`);
  }
  return missing;
}

/**
 * Opens the pool and checks the schema once. Throws MisConnectionError (unreachable, refused) or
 * MisSchemaError (a column is missing) before the flow touches any row.
 */
export async function openMisDb(url: string, options: MisDbOptions = {}): Promise<MisDb> {
  const poolOptions = poolOptionsFromUrl(url, options);
  // Loaded on first use: every other command starts without paying for the driver.
  const mysql = (await import('mysql2/promise')).default;
  const pool = mysql.createPool(poolOptions);
  pool.on('connection', (connection) => {
    // Session time in UTC: pushed_date is written and compared with UTC_TIMESTAMP().
    connection.query("SET time_zone = '+00:00'");
  });
  let columns: ColumnSet;
  try {
    columns = await readColumns(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw describeConnectionError(error, poolOptions);
  }
  const missing = missingColumns(columns);
  if (missing.length > 0) {
    await pool.end().catch(() => undefined);
    throw new MisSchemaError(missing);
  }
  const queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
  return {
    pool,
    columns,
    queryTimeoutMs,
    database: String(poolOptions.database ?? ''),
    async select<T>(sql: string, values: readonly unknown[] = []) {
      const [rows] = await pool.query<RowDataPacket[]>({ sql, values: [...values], timeout: queryTimeoutMs });
      return rows as unknown as T[];
    },
    async update(sql: string, values: readonly unknown[] = []) {
      const [result] = await pool.query<ResultSetHeader>({
        sql,
        values: [...values],
        timeout: queryTimeoutMs,
      });
      return result.affectedRows;
    },
    has(table: string, column: string) {
      return columns[table]?.has(column) ?? false;
    },
    async close() {
      await pool.end();
    },
  };
}

/** Optional columns this MIS has, for SELECT lists (names come from our fixed list, never from input). */
export function presentOptional(db: Pick<MisDb, 'has'>, table: string): string[] {
  return (optionalColumns[table] ?? []).filter((c) => db.has(table, c));
}
