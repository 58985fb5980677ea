import crypto from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import type { Config } from '../../config/load';
import type { Db } from '../../store/database';
import { getMeta, setMeta } from '../../store/meta';
import { defaultLockoutPolicy, type LockoutPolicy } from './lockout-policy';
import { type AddressLimitPolicy, addressLimited, defaultAddressLimitPolicy, HashGate } from './login-limits';

export { defaultLockoutPolicy, type LockoutPolicy };

/**
 * The Web Connector's user name and password. QBWC sends the password in clear text inside the SOAP body
 * (protected only by TLS), so we keep only a slow hash and compare in constant time.
 *
 * Where the credentials come from: the store (set by `qb-bridge qbwc set-password`) wins over the environment
 * (`QBWC_USERNAME`, `QBWC_PASSWORD_HASH`), because the command is the documented way to change them and a
 * stale `.env` line must not silently undo it. QBWC_PASSWORD_HASH also accepts the seed's bcrypt hashes.
 */
const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** ~64 MiB and ~100-200 ms per hash: fine for one login an hour, expensive for a guesser. */
export const defaultScryptParams: ScryptParams = { N: 2 ** 16, r: 8, p: 1 };
const keyLength = 32;
/** Hash parameters come from the store; cap them so a bad value cannot exhaust memory. */
const maxScryptN = 2 ** 20;
/** Longer than any real password; stops a multi-megabyte strPassword from being hashed. */
export const maxPasswordChars = 1024;

export async function hashPassword(password: string, params: ScryptParams = defaultScryptParams) {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize('NFC'), salt, keyLength, scryptOptions(params));
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function scryptOptions(params: ScryptParams): crypto.ScryptOptions {
  return {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r * params.p + 1024 * 1024,
  };
}

/** Whether a stored value is a hash we can verify (our scrypt format or bcrypt $2a$/$2b$/$2y$). */
export function isSupportedHash(stored: string): boolean {
  return parseScrypt(stored) !== undefined || /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(stored);
}

function parseScrypt(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const powerOfTwo = params.N > 1 && (params.N & (params.N - 1)) === 0;
  if (!powerOfTwo || params.N > maxScryptN || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 4) {
    return undefined;
  }
  return { params, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

/** Verifies a password against a stored hash; false for an unsupported hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const scryptHash = parseScrypt(stored);
  if (scryptHash) {
    const actual = await scrypt(
      password.normalize('NFC'),
      scryptHash.salt,
      scryptHash.hash.length,
      scryptOptions(scryptHash.params),
    );
    return actual.length === scryptHash.hash.length && crypto.timingSafeEqual(actual, scryptHash.hash);
  }
  if (isSupportedHash(stored)) return bcrypt.compare(password, stored);
  return false;
}

/** Equal-length digests, so the comparison time does not depend on where two names differ. */
export function sameText(a: string, b: string): boolean {
  const da = crypto.createHash('sha256').update(a).digest();
  const db = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(da, db);
}

export interface QbwcCredentials {
  username: string;
  passwordHash?: string;
  source: 'store' | 'environment' | 'none';
}

const usernameKey = 'qbwc.username';
const hashKey = 'qbwc.password_hash';

export function resolveCredentials(db: Db, config: Config): QbwcCredentials {
  const storedHash = getMeta(db, hashKey);
  if (storedHash)
    return {
      username: getMeta(db, usernameKey) ?? config.QBWC_USERNAME,
      passwordHash: storedHash,
      source: 'store',
    };
  if (config.QBWC_PASSWORD_HASH) {
    return { username: config.QBWC_USERNAME, passwordHash: config.QBWC_PASSWORD_HASH, source: 'environment' };
  }
  return { username: config.QBWC_USERNAME, source: 'none' };
}

export function saveCredentials(db: Db, username: string, passwordHash: string): void {
  db.transaction(() => {
    setMeta(db, usernameKey, username);
    setMeta(db, hashKey, passwordHash);
  })();
}

export interface Lock {
  username: string;
  /** The address the failures came from; null when the caller's address was unknown. */
  remoteIp: string | null;
  failures: number;
  until: Date;
}

function attemptsSince(db: Db, username: string, remoteIp: string | null | undefined, since: string) {
  const byAddress = remoteIp !== undefined;
  const where = `username = ?${byAddress ? ' AND remote_ip IS ?' : ''}`;
  const args = byAddress ? [username, remoteIp] : [username];
  const lastSuccess = db
    .prepare(`SELECT MAX(at) FROM qbwc_login_attempts WHERE ${where} AND outcome = 'success' AND at >= ?`)
    .pluck()
    .get(...args, since) as string | null;
  return db
    .prepare(
      `SELECT at FROM qbwc_login_attempts WHERE ${where} AND outcome = 'failure' AND at >= ? AND at > ?
       ORDER BY at`,
    )
    .pluck()
    .all(...args, since, lastSuccess ?? '') as string[];
}

/**
 * The lock on this user name from this address, if one holds at `now`: `maxFailures` failures within a
 * window, counted since the last success from the same address. Failures from other addresses never lock
 * this one (they only slow the name down, `slowDownMs`).
 */
export function lockFor(
  db: Db,
  username: string,
  remoteIp: string | null,
  now: Date,
  policy: LockoutPolicy,
): Lock | undefined {
  const since = new Date(now.getTime() - Math.max(policy.windowMs, policy.lockMs)).toISOString();
  const failures = attemptsSince(db, username, remoteIp, since);
  for (let i = policy.maxFailures - 1; i < failures.length; i++) {
    const first = new Date(failures[i - policy.maxFailures + 1]!).getTime();
    const nth = new Date(failures[i]!).getTime();
    if (nth - first > policy.windowMs) continue;
    const until = new Date(new Date(failures[failures.length - 1]!).getTime() + policy.lockMs);
    if (until > now) return { username, remoteIp, failures: failures.length, until };
  }
  return undefined;
}

/** How long a login of this name waits before it is checked: 0 until the name has `slowDownAfter` failures. */
export function slowDownMs(db: Db, username: string, now: Date, policy: LockoutPolicy): number {
  const since = new Date(now.getTime() - policy.windowMs).toISOString();
  const failures = attemptsSince(db, username, undefined, since).length;
  if (failures < policy.slowDownAfter) return 0;
  return Math.min(policy.maxSlowDownMs, (failures - policy.slowDownAfter + 1) * policy.slowDownStepMs);
}

/** Every lock holding at `now`, optionally for one user name (for `qbwc unlock` and the status). */
export function currentLocks(db: Db, now: Date, policy: LockoutPolicy, username?: string): Lock[] {
  const since = new Date(now.getTime() - Math.max(policy.windowMs, policy.lockMs)).toISOString();
  const pairs = db
    .prepare(
      `SELECT DISTINCT username, remote_ip AS remoteIp FROM qbwc_login_attempts
       WHERE outcome = 'failure' AND at >= ? AND (? IS NULL OR username = ?) ORDER BY username, remote_ip`,
    )
    .all(since, username ?? null, username ?? null) as Array<{ username: string; remoteIp: string | null }>;
  return pairs.flatMap((p) => lockFor(db, p.username, p.remoteIp, now, policy) ?? []);
}

/**
 * Lifts every lock and slow-down on a user name (or on all names): its failed and refused attempts are
 * forgotten. Returns the locks that held.
 */
export function unlockLogins(db: Db, now: Date, policy: LockoutPolicy, username?: string): Lock[] {
  return db.transaction(() => {
    const locks = currentLocks(db, now, policy, username);
    db.prepare(
      `DELETE FROM qbwc_login_attempts WHERE outcome IN ('failure', 'locked') AND (? IS NULL OR username = ?)`,
    ).run(username ?? null, username ?? null);
    return locks;
  })();
}

export function recordLoginAttempt(
  db: Db,
  attempt: { username: string; remoteIp?: string; outcome: 'success' | 'failure' | 'locked'; at: Date },
): void {
  db.prepare('INSERT INTO qbwc_login_attempts (username, remote_ip, outcome, at) VALUES (?, ?, ?, ?)').run(
    attempt.username.slice(0, 200),
    attempt.remoteIp ?? null,
    attempt.outcome,
    attempt.at.toISOString(),
  );
}

export type LoginResult =
  | { ok: true }
  | { ok: false; reason: 'locked_out'; lock: Lock }
  | {
      ok: false;
      reason:
        | 'invalid_username'
        | 'invalid_password'
        | 'not_configured'
        /** Too many failed logins from this address: refused before hashing, no row written. */
        | 'address_limited'
        /** Every hash slot taken and the queue full: not a failed guess, nothing recorded. */
        | 'busy';
    };

const decoyHashes = new Map<string, Promise<string>>();

/**
 * A hash of a random password made with the same algorithm and cost as the real one, so checking an unknown
 * user name takes as long as checking the real one (a fixed-cost decoy would tell them apart by time).
 */
function decoyFor(stored: string): Promise<string> {
  const scryptHash = parseScrypt(stored);
  const bcryptCost = /^\$2[aby]\$(\d{2})\$/.exec(stored)?.[1];
  const key = scryptHash
    ? `scrypt:${scryptHash.params.N}:${scryptHash.params.r}:${scryptHash.params.p}`
    : `bcrypt:${bcryptCost ?? 'default'}`;
  let decoy = decoyHashes.get(key);
  if (!decoy) {
    const secret = crypto.randomBytes(16).toString('hex');
    decoy = scryptHash
      ? hashPassword(secret, scryptHash.params)
      : bcryptCost
        ? bcrypt.hash(secret, Number(bcryptCost))
        : hashPassword(secret);
    if (decoyHashes.size > 8) decoyHashes.clear();
    decoyHashes.set(key, decoy);
  }
  return decoy;
}

/** One gate per process: the memory a hash takes is the process's. */
export const processHashGate = new HashGate();

export interface LoginGuards {
  gate?: HashGate;
  address?: AddressLimitPolicy;
  /** How a slowed-down login waits; tests pass one that records instead. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks a Web Connector login. A wrong user name still costs one hash (against a decoy) so the answer time
 * does not tell a guesser which names exist; the address limit and the hash gate (`login-limits.ts`) keep
 * that cost bounded. Lockout and slow-down: `lockout-policy.ts`.
 */
export async function checkLogin(
  db: Db,
  credentials: QbwcCredentials,
  attempt: { username: string; password: string; remoteIp?: string },
  now: Date,
  policy: LockoutPolicy = defaultLockoutPolicy,
  guards: LoginGuards = {},
): Promise<LoginResult> {
  if (!credentials.passwordHash) return { ok: false, reason: 'not_configured' };
  const storedHash = credentials.passwordHash;
  if (
    attempt.remoteIp &&
    addressLimited(db, attempt.remoteIp, now, guards.address ?? defaultAddressLimitPolicy)
  ) {
    return { ok: false, reason: 'address_limited' };
  }
  const lock = lockFor(db, attempt.username, attempt.remoteIp ?? null, now, policy);
  if (lock) {
    recordLoginAttempt(db, {
      username: attempt.username,
      remoteIp: attempt.remoteIp,
      outcome: 'locked',
      at: now,
    });
    return { ok: false, reason: 'locked_out', lock };
  }
  const wait = slowDownMs(db, attempt.username, now, policy);
  if (wait > 0) await (guards.sleep ?? realSleep)(wait);
  const nameMatches = sameText(attempt.username, credentials.username);
  const password = attempt.password.slice(0, maxPasswordChars);
  const verified = await (guards.gate ?? processHashGate).run(async () => {
    const hash = nameMatches ? storedHash : await decoyFor(storedHash);
    return verifyPassword(password, hash);
  });
  if (verified === undefined) return { ok: false, reason: 'busy' };
  const passwordMatches = verified && attempt.password.length <= maxPasswordChars;
  const ok = nameMatches && passwordMatches;
  recordLoginAttempt(db, {
    username: attempt.username,
    remoteIp: attempt.remoteIp,
    outcome: ok ? 'success' : 'failure',
    at: now,
  });
  if (ok) return { ok: true };
  return { ok: false, reason: nameMatches ? 'invalid_password' : 'invalid_username' };
}
