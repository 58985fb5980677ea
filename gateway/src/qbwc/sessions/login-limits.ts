/**
 * What keeps anonymous `authenticate` calls cheap. Each login costs a ~64 MiB scrypt (a decoy one for an
 * unknown user name) and a row in `qbwc_login_attempts` and `qbr_audit_log`; the per-username lockout in
 * `credentials.ts` does not slow a guesser who changes the name every time. So, before any hashing:
 * - a per-address limit: too many failed logins from one address in a window → `nvu` with no hash and no
 *   row (audited once per window);
 * - a cap on password hashes running at once, with a short queue; beyond it the login answers `busy`;
 * - old login attempts and `qbwc_auth` audit rows are pruned, at most once an hour.
 *
 * The address is the TCP peer. Behind a reverse proxy every client shares the proxy's address, so the
 * per-address limit then acts as one limit for everybody (like the per-username lockout does for the
 * configured name).
 */
import type { Db } from '../../store/database';
import type { LockoutPolicy } from './lockout-policy';

export interface AddressLimitPolicy {
  /** Failed logins (wrong name or password, or tried while locked) from one address within `windowMs`. */
  maxFailures: number;
  windowMs: number;
}

export const defaultAddressLimitPolicy: AddressLimitPolicy = { maxFailures: 10, windowMs: 15 * 60_000 };

/** Login attempts are kept this many lockout windows (one day at the defaults), then pruned. */
export const attemptRetentionWindows = 96;
/** `qbwc_auth` rows in `qbr_audit_log` are kept this long; other audit rows are kept. */
export const authAuditRetentionMs = 90 * 24 * 60 * 60_000;
export const pruneIntervalMs = 60 * 60_000;

export const addressLimitedReason = 'ip_rate_limited';

/** Whether `remoteIp` has used up its failed logins (counted since its last success within the window). */
export function addressLimited(db: Db, remoteIp: string, now: Date, policy: AddressLimitPolicy): boolean {
  const since = new Date(now.getTime() - policy.windowMs).toISOString();
  const lastSuccess = db
    .prepare(
      `SELECT MAX(at) FROM qbwc_login_attempts WHERE remote_ip = ? AND outcome = 'success' AND at >= ?`,
    )
    .pluck()
    .get(remoteIp, since) as string | null;
  const failures = db
    .prepare(
      `SELECT COUNT(*) FROM qbwc_login_attempts
       WHERE remote_ip = ? AND outcome IN ('failure', 'locked') AND at >= ? AND at > ?`,
    )
    .pluck()
    .get(remoteIp, since, lastSuccess ?? '') as number;
  return failures >= policy.maxFailures;
}

/** Whether the limit on this address was already audited in the current window (one row per window). */
export function addressLimitAudited(
  db: Db,
  remoteIp: string,
  now: Date,
  policy: AddressLimitPolicy,
): boolean {
  const since = new Date(now.getTime() - policy.windowMs).toISOString();
  return (
    db
      .prepare(
        `SELECT 1 FROM qbr_audit_log WHERE action = 'qbwc_auth' AND timestamp >= ? AND failure_reason = ?
           AND ip_address = ? LIMIT 1`,
      )
      .get(since, addressLimitedReason, remoteIp) !== undefined
  );
}

/** Deletes login attempts no lockout can look at any more and old `qbwc_auth` audit rows. */
export function pruneLoginRecords(
  db: Db,
  now: Date,
  lockout: LockoutPolicy,
  address: AddressLimitPolicy,
): { attempts: number; auditRows: number } {
  const keepMs = attemptRetentionWindows * Math.max(lockout.windowMs, lockout.lockMs, address.windowMs);
  const attemptsBefore = new Date(now.getTime() - keepMs).toISOString();
  const auditBefore = new Date(now.getTime() - authAuditRetentionMs).toISOString();
  return db.transaction(() => ({
    attempts: db.prepare('DELETE FROM qbwc_login_attempts WHERE at < ?').run(attemptsBefore).changes,
    auditRows: db
      .prepare(`DELETE FROM qbr_audit_log WHERE action = 'qbwc_auth' AND timestamp < ?`)
      .run(auditBefore).changes,
  }))();
}

/**
 * At most `maxConcurrent` password hashes at once (each holds ~64 MiB), `maxWaiting` more may wait for a
 * slot; anything beyond is turned away at once rather than piling up memory and latency.
 */
export class HashGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** How many hashes this gate has let start (for tests and diagnostics). */
  hashesStarted = 0;

  constructor(
    readonly maxConcurrent = 2,
    readonly maxWaiting = 8,
  ) {}

  /** Runs `hash` when a slot is free; undefined without running it when the queue is full. */
  async run<T>(hash: () => Promise<T>): Promise<T | undefined> {
    if (this.active >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxWaiting) return undefined;
      // the finishing hash hands its slot straight to us, so `active` stays counted
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    this.hashesStarted++;
    try {
      return await hash();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
