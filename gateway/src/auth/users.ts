import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Db } from '../store/database';

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/** scrypt at 32 MiB and ~100 ms per guess: slow enough for a stolen store, fast enough for a login. */
export interface PasswordParams {
  N: number;
  r: number;
  p: number;
}
export const defaultPasswordParams: PasswordParams = { N: 2 ** 15, r: 8, p: 1 };
export const minPasswordChars = 12;
export const maxPasswordChars = 1024;
const keyBytes = 32;

export class UserInputError extends Error {
  constructor(
    message: string,
    readonly field: 'username' | 'password',
  ) {
    super(message);
    this.name = 'UserInputError';
  }
}

export interface DashboardUser {
  username: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

const maxmem = (params: PasswordParams) => 256 * params.N * params.r + 1024 * 1024;

export async function hashUserPassword(
  password: string,
  params: PasswordParams = defaultPasswordParams,
): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, keyBytes, { ...params, maxmem: maxmem(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parseHash(stored: string): { params: PasswordParams; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return undefined;
  return {
    params: { N, r, p },
    salt: Buffer.from(parts[4]!, 'base64url'),
    key: Buffer.from(parts[5]!, 'base64url'),
  };
}

export async function verifyUserPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await scrypt(password.slice(0, maxPasswordChars), parsed.salt, parsed.key.length, {
    ...parsed.params,
    maxmem: maxmem(parsed.params),
  });
  return crypto.timingSafeEqual(key, parsed.key);
}

export function validateUsername(username: string): string {
  const name = username.trim();
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
    throw new UserInputError(
      'A user name is 1 to 64 letters, digits or . _ @ - (no spaces), e.g. "alex" or "alex@example.com"',
      'username',
    );
  }
  return name;
}

export function validatePassword(password: string): string {
  if (password.length < minPasswordChars) {
    throw new UserInputError(`The password needs at least ${minPasswordChars} characters`, 'password');
  }
  if (password.length > maxPasswordChars) {
    throw new UserInputError(`The password may have at most ${maxPasswordChars} characters`, 'password');
  }
  return password;
}

/** Adds a user, or sets a new password for an existing one (and ends that user's sessions). */
export async function addUser(
  db: Db,
  username: string,
  password: string,
  params: PasswordParams = defaultPasswordParams,
): Promise<{ created: boolean }> {
  const name = validateUsername(username);
  const hash = await hashUserPassword(validatePassword(password), params);
  const now = new Date().toISOString();
  return db.transaction(() => {
    const existing = db.prepare('SELECT 1 FROM dashboard_users WHERE username = ?').get(name);
    if (existing) {
      db.prepare('UPDATE dashboard_users SET password_hash = ?, updated_at = ? WHERE username = ?').run(
        hash,
        now,
        name,
      );
      db.prepare('DELETE FROM dashboard_sessions WHERE username = ?').run(name);
      return { created: false };
    }
    db.prepare(
      'INSERT INTO dashboard_users (username, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)',
    ).run(name, hash, now, now);
    return { created: true };
  })();
}

/** Removes a user and ends every session of theirs at once. */
export function removeUser(db: Db, username: string): boolean {
  return db.transaction(() => {
    db.prepare('DELETE FROM dashboard_sessions WHERE username = ?').run(username.trim());
    return db.prepare('DELETE FROM dashboard_users WHERE username = ?').run(username.trim()).changes > 0;
  })();
}

export function listUsers(db: Db): DashboardUser[] {
  return db
    .prepare(
      `SELECT username, created_at AS createdAt, updated_at AS updatedAt, last_login_at AS lastLoginAt
       FROM dashboard_users ORDER BY username`,
    )
    .all() as DashboardUser[];
}

/**
 * Each check takes ~32 MiB and ~100 ms of CPU, so a flood of logins from many addresses could exhaust the
 * process. At most `maxRunning` hashes run at once and `maxQueued` wait; beyond that a login is refused as
 * busy (no hash, nothing recorded) instead of queueing without bound.
 */
export class LoginBusyError extends Error {
  constructor() {
    super('The server is busy checking other logins; try again in a few seconds');
    this.name = 'LoginBusyError';
  }
}

export class HashSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxRunning = 2,
    private readonly maxQueued = 16,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxRunning) {
      if (this.waiting.length >= this.maxQueued) throw new LoginBusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

const loginHashes = new HashSlots();

let decoyHash: Promise<string> | undefined;

/**
 * Checks a user's password. An unknown name still costs one hash (against a decoy made with the same
 * parameters) so the answer time does not tell a guesser which names exist. Returns the stored spelling;
 * throws LoginBusyError when too many checks are already waiting.
 */
export async function checkUserPassword(
  db: Db,
  username: string,
  password: string,
): Promise<string | undefined> {
  const row = db
    .prepare('SELECT username, password_hash AS hash FROM dashboard_users WHERE username = ?')
    .get(username.trim()) as { username: string; hash: string } | undefined;
  decoyHash ??= hashUserPassword(crypto.randomBytes(16).toString('hex'));
  const stored = row?.hash ?? (await decoyHash);
  const ok = await loginHashes.run(() => verifyUserPassword(password, stored));
  if (!row || !ok) return undefined;
  db.prepare('UPDATE dashboard_users SET last_login_at = ? WHERE username = ?').run(
    new Date().toISOString(),
    row.username,
  );
  return row.username;
}
