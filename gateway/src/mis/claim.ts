import crypto from 'node:crypto';
import os from 'node:os';
import type { MisDb } from './mis-db';

/**
 * Claiming MIS invoices. The MIS database is the coordinator: a claim is ONE `UPDATE … LIMIT n` that moves
 * claimable rows to status 3 and stamps them with this claim's token in `pushed_by` and the time in
 * `pushed_date`. InnoDB re-checks the WHERE clause of a row another UPDATE just changed, so two workers —
 * two processes or two gateways on two machines — never take the same row; each then reads back exactly
 * the rows carrying its token.
 *
 * Status codes are the seed's: 0 (or NULL) not synced, 1 synced, 2 failed, 3 in progress. Claimable:
 * - 0/NULL;
 * - 3 whose claim is stale: `pushed_date` older than the lease, or a claimer on this machine whose process
 *   is gone (a crashed worker's rows are taken back at once instead of after the lease). A fresh claim by a
 *   live worker is left alone;
 * - 2 that is due for a retry: `pushed_by` records `qb-bridge failed <n>/<max>: <reason>`; a row is tried
 *   again after `retryDelay × 2^(n-1)` while n < max. A row failed by another tool (its own pushed_by) counts
 *   as not tried by us yet. Past max it stays 2 until someone sets it back to 0 (or syncs it with `single`).
 * The attempt number travels with the claim (`… try <n>`) so the failure write knows it.
 */

export const claimPrefix = 'qb-bridge claim ';
export const failedPrefix = 'qb-bridge failed ';
export const pendingPrefix = 'qb-bridge pending: ';

export interface ClaimPolicy {
  leaseSeconds: number;
  retryDelaySeconds: number;
  maxAttempts: number;
}

/** Who claims: this machine and process, so a restarted worker can recognise its dead predecessor's rows. */
export function workerId(): string {
  const host = os
    .hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 60);
  return `${host}#${process.pid}`;
}

export function newClaimToken(worker = workerId()): string {
  return `${claimPrefix}${worker}/${crypto.randomBytes(4).toString('hex')} try `;
}

/** The worker (host#pid) in a claim token, or undefined for anything else. */
export function claimWorker(pushedBy: string | null): { host: string; pid: number } | undefined {
  if (!pushedBy?.startsWith(claimPrefix)) return undefined;
  const match = /^([^#\s]+)#(\d+)\//.exec(pushedBy.slice(claimPrefix.length));
  return match ? { host: match[1]!, pid: Number(match[2]) } : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The attempt number a claimed row's pushed_by carries (`… try 2`); 1 when absent. */
export function attemptOf(pushedBy: string | null): number {
  const match = / try (\d+)$/.exec(pushedBy ?? '');
  return match ? Number(match[1]) : 1;
}

/** The pushed_by of a failed row: attempt, limit and the reason, within the column's 200 characters. */
export function failedMark(attempt: number, maxAttempts: number, reason: string): string {
  return `${failedPrefix}${attempt}/${maxAttempts}: ${reason}`.slice(0, 200);
}

/** The reason a failed row's pushed_by records (the whole text for rows failed by another tool). */
export function failureReason(pushedBy: string | null): string {
  if (!pushedBy) return 'failed (no reason recorded)';
  const match = /^qb-bridge failed \d+\/\d+: (.*)$/s.exec(pushedBy);
  return match ? match[1]! : pushedBy;
}

/** Claim tokens of status-3 rows whose worker ran on this machine and has exited (crashed or killed). */
async function deadClaims(db: MisDb): Promise<string[]> {
  const rows = await db.select<{ pushed_by: string }>(
    'SELECT DISTINCT pushed_by FROM tbl_imvoice WHERE QuickBk_Status = 3 AND pushed_by LIKE ?',
    [`${claimPrefix}%`],
  );
  const host = workerId().split('#')[0];
  return rows
    .map((r) => r.pushed_by)
    .filter((token) => {
      const worker = claimWorker(token);
      return worker !== undefined && worker.host === host && !processAlive(worker.pid);
    });
}

interface Condition {
  sql: string;
  values: unknown[];
}

/** WHERE clause (without the leading keyword) for rows this claimer may take. */
async function claimable(db: MisDb, policy: ClaimPolicy, retryFailed: boolean): Promise<Condition> {
  const dead = await deadClaims(db);
  const parts = ['QuickBk_Status IS NULL', 'QuickBk_Status = 0'];
  const values: unknown[] = [];
  let stale =
    '(QuickBk_Status = 3 AND (pushed_date IS NULL OR pushed_date < UTC_TIMESTAMP() - INTERVAL ? SECOND';
  values.push(policy.leaseSeconds);
  if (dead.length > 0) {
    stale += ' OR pushed_by IN (?)';
    values.push(dead);
  }
  parts.push(`${stale}))`);
  if (retryFailed) {
    const due = [`pushed_by IS NULL`, `pushed_by NOT LIKE 'qb-bridge %'`];
    for (let n = 1; n < policy.maxAttempts; n += 1) {
      due.push(
        '(pushed_by LIKE ? AND (pushed_date IS NULL OR pushed_date <= UTC_TIMESTAMP() - INTERVAL ? MICROSECOND))',
      );
      values.push(`${failedPrefix}${n}/%`, Math.round(policy.retryDelaySeconds * 1e6 * 2 ** (n - 1)));
    }
    parts.push(`(QuickBk_Status = 2 AND (${due.join(' OR ')}))`);
  }
  return { sql: `(${parts.join(' OR ')})`, values };
}

/** Next attempt number, computed from the row's state before the claim (SET runs left to right). */
const nextAttemptSql = `CASE WHEN QuickBk_Status = 2 AND pushed_by LIKE '${failedPrefix}%/%'
  THEN CAST(SUBSTRING_INDEX(SUBSTRING(pushed_by, ${failedPrefix.length + 1}), '/', 1) AS UNSIGNED) + 1 ELSE 1 END`;

function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

async function claimUpdate(db: MisDb, sql: string, values: unknown[]): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.update(sql, values);
    } catch (error) {
      // Two claimers meeting on the same rows: InnoDB picks a victim; its claim is simply tried again.
      if (!isLockConflict(error) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}

/** Claims up to `limit` rows with id > `afterId`, lowest ids first; returns how many it took. */
export async function claimPage(
  db: MisDb,
  token: string,
  policy: ClaimPolicy,
  limit: number,
  afterId = 0,
): Promise<number> {
  const where = await claimable(db, policy, true);
  return claimUpdate(
    db,
    `UPDATE tbl_imvoice SET pushed_by = CONCAT(?, ${nextAttemptSql}), QuickBk_Status = 3, pushed_date = UTC_TIMESTAMP()
     WHERE id > ? AND ${where.sql} ORDER BY id LIMIT ?`,
    [token, afterId, ...where.values, limit],
  );
}

/**
 * Claims one invoice whatever its retry count (a person asked for it): not synced, failed, or a stale
 * claim. Returns false when the row is absent, synced, or freshly claimed by someone else.
 */
export async function claimOne(db: MisDb, token: string, policy: ClaimPolicy, id: number): Promise<boolean> {
  const where = await claimable(db, { ...policy, retryDelaySeconds: 0, maxAttempts: 1 }, false);
  const changed = await claimUpdate(
    db,
    `UPDATE tbl_imvoice SET pushed_by = CONCAT(?, ${nextAttemptSql}), QuickBk_Status = 3, pushed_date = UTC_TIMESTAMP()
     WHERE id = ? AND (${where.sql} OR QuickBk_Status = 2)`,
    [token, id, ...where.values],
  );
  return changed > 0;
}

/** The highest id a claim holds (0 when it holds none). */
export async function lastClaimedId(db: MisDb, token: string): Promise<number> {
  const own = ownedBy(token);
  const [row] = await db.select<{ id: number | null }>(
    `SELECT MAX(id) AS id FROM tbl_imvoice WHERE ${own.sql}`,
    own.values,
  );
  return Number(row?.id ?? 0);
}

/** Keeps a long-running claim fresh so it is never mistaken for a crashed one. */
export async function renewClaim(db: MisDb, token: string): Promise<void> {
  await db.update(
    'UPDATE tbl_imvoice SET pushed_date = UTC_TIMESTAMP() WHERE QuickBk_Status = 3 AND LEFT(pushed_by, ?) = ?',
    [token.length, token],
  );
}

/** Condition selecting the rows of one claim (its token is a prefix of their pushed_by). */
export function ownedBy(token: string): Condition {
  return { sql: 'QuickBk_Status = 3 AND LEFT(pushed_by, ?) = ?', values: [token.length, token] };
}

export type WriteBack =
  | { kind: 'synced'; qboId: string; by: string }
  | { kind: 'failed'; reason: string; attempt: number; maxAttempts: number }
  /** Not settled yet (QuickBooks unreachable, or another run still sending it): back to 0 for a later run. */
  | { kind: 'pending'; reason: string };

/**
 * Writes one row's result, but only while this claim still holds it (compare-and-swap on the token): a
 * row taken over after our lease ran out belongs to its new claimer, whose result stands.
 */
export async function writeBack(db: MisDb, token: string, id: number, result: WriteBack): Promise<boolean> {
  const own = ownedBy(token);
  let changed: number;
  if (result.kind === 'synced') {
    changed = await db.update(
      `UPDATE tbl_imvoice SET QuickBk_Status = 1, quickbooks_id = ?, pushed_by = ?, pushed_date = UTC_TIMESTAMP()
       WHERE id = ? AND ${own.sql}`,
      [result.qboId, result.by.slice(0, 200), id, ...own.values],
    );
  } else if (result.kind === 'failed') {
    changed = await db.update(
      `UPDATE tbl_imvoice SET QuickBk_Status = 2, pushed_by = ?, pushed_date = UTC_TIMESTAMP()
       WHERE id = ? AND ${own.sql}`,
      [failedMark(result.attempt, result.maxAttempts, result.reason), id, ...own.values],
    );
  } else {
    changed = await db.update(
      `UPDATE tbl_imvoice SET QuickBk_Status = 0, pushed_by = ?, pushed_date = UTC_TIMESTAMP()
       WHERE id = ? AND ${own.sql}`,
      [`${pendingPrefix}${result.reason}`.slice(0, 200), id, ...own.values],
    );
  }
  return changed > 0;
}

/** Puts every row still held by this claim back to 0 (a run stopped before finishing them). */
export async function releaseClaim(db: MisDb, token: string, reason: string): Promise<number> {
  const own = ownedBy(token);
  return db.update(
    `UPDATE tbl_imvoice SET QuickBk_Status = 0, pushed_by = ?, pushed_date = UTC_TIMESTAMP() WHERE ${own.sql}`,
    [`${pendingPrefix}${reason}`.slice(0, 200), ...own.values],
  );
}

/** Ids a claim would take now (for dry runs and counts), without claiming anything. */
export async function claimableIds(
  db: MisDb,
  policy: ClaimPolicy,
  limit: number,
  afterId = 0,
): Promise<number[]> {
  const where = await claimable(db, policy, true);
  const rows = await db.select<{ id: number }>(
    `SELECT id FROM tbl_imvoice WHERE id > ? AND ${where.sql} ORDER BY id LIMIT ?`,
    [afterId, ...where.values, limit],
  );
  return rows.map((r) => Number(r.id));
}

/** How many rows a claim could take now. */
export async function countClaimable(db: MisDb, policy: ClaimPolicy): Promise<number> {
  const where = await claimable(db, policy, true);
  const rows = await db.select<{ n: number }>(
    `SELECT COUNT(*) AS n FROM tbl_imvoice WHERE ${where.sql}`,
    where.values,
  );
  return Number(rows[0]?.n ?? 0);
}
