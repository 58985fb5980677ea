import type { Db } from '../store/database';

/**
 * Dashboard login throttling, counted per address and per (user, address) pair — never per user alone.
 * A per-user lock would let anyone on the internet lock the real user out by failing on purpose; here a
 * guesser only locks out their own address, while the slow hash and the per-address limit bound how fast
 * any one address can guess. The real user, from their own address, can always still log in.
 */
export interface LoginLimitPolicy {
  windowMs: number;
  /** Failures for one user from one address within the window before that pair must wait. */
  maxPerUserAddress: number;
  /** Failures from one address (any user names) within the window before the address must wait. */
  maxPerAddress: number;
}
export const defaultLoginLimitPolicy: LoginLimitPolicy = {
  windowMs: 15 * 60_000,
  maxPerUserAddress: 5,
  maxPerAddress: 20,
};

export type LoginGate = { allowed: true } | { allowed: false; retryAfterSeconds: number };

function retryAfter(db: Db, sql: string, args: unknown[], max: number, nowMs: number, windowMs: number) {
  // The oldest failure that still counts toward the limit leaves the window first.
  const times = db
    .prepare(sql)
    .pluck()
    .all(...args) as number[];
  if (times.length < max) return 0;
  const oldestCounted = times[times.length - max]!;
  return Math.max(1, Math.ceil((oldestCounted + windowMs - nowMs) / 1000));
}

export function loginGate(
  db: Db,
  username: string,
  address: string,
  nowMs = Date.now(),
  policy: LoginLimitPolicy = defaultLoginLimitPolicy,
): LoginGate {
  const since = nowMs - policy.windowMs;
  const byAddress = retryAfter(
    db,
    `SELECT at_ms FROM dashboard_login_attempts WHERE address = ? AND outcome = 'failure' AND at_ms > ? ORDER BY at_ms`,
    [address, since],
    policy.maxPerAddress,
    nowMs,
    policy.windowMs,
  );
  const lastSuccess = db
    .prepare(
      `SELECT MAX(at_ms) FROM dashboard_login_attempts WHERE username = ? AND address = ? AND outcome = 'success'`,
    )
    .pluck()
    .get(username, address) as number | null;
  const byPair = retryAfter(
    db,
    `SELECT at_ms FROM dashboard_login_attempts WHERE username = ? AND address = ? AND outcome = 'failure'
     AND at_ms > ? ORDER BY at_ms`,
    [username, address, Math.max(since, lastSuccess ?? 0)],
    policy.maxPerUserAddress,
    nowMs,
    policy.windowMs,
  );
  const wait = Math.max(byAddress, byPair);
  return wait > 0 ? { allowed: false, retryAfterSeconds: wait } : { allowed: true };
}

export function recordLoginAttempt(
  db: Db,
  attempt: { username: string; address: string; outcome: 'success' | 'failure' },
  nowMs = Date.now(),
): void {
  db.prepare(
    'INSERT INTO dashboard_login_attempts (username, address, outcome, at_ms) VALUES (?, ?, ?, ?)',
  ).run(attempt.username.slice(0, 200), attempt.address, attempt.outcome, nowMs);
  // Keep a day of attempts: far more than any window needs, and the table stays small under a flood.
  db.prepare('DELETE FROM dashboard_login_attempts WHERE at_ms < ?').run(nowMs - 24 * 60 * 60_000);
}
