import { describe, expect, it } from 'vitest';
import { defaultLoginLimitPolicy, loginGate, recordLoginAttempt } from '../../gateway/src/auth/login-limits';
import { createSession, defaultSessionPolicy, readSession } from '../../gateway/src/auth/sessions';
import {
  addUser,
  checkUserPassword,
  HashSlots,
  listUsers,
  removeUser,
  UserInputError,
} from '../../gateway/src/auth/users';
import { testContext } from '../helpers/context';

const cheap = { N: 2 ** 10, r: 8, p: 1 };

describe('dashboard users', () => {
  it('stores a slow hash, checks the password, and never keeps the password', async () => {
    const ctx = testContext();
    expect(await addUser(ctx.db, 'alex', 'a long enough password', cheap)).toEqual({ created: true });
    const stored = ctx.db.prepare('SELECT password_hash FROM dashboard_users').pluck().get() as string;
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(stored).not.toContain('a long enough password');
    expect(await checkUserPassword(ctx.db, 'alex', 'a long enough password')).toBe('alex');
    expect(await checkUserPassword(ctx.db, 'ALEX', 'a long enough password')).toBe('alex');
    expect(await checkUserPassword(ctx.db, 'alex', 'a long enough passworD')).toBeUndefined();
    expect(await checkUserPassword(ctx.db, 'nobody', 'a long enough password')).toBeUndefined();
    expect(listUsers(ctx.db).map((u) => [u.username, u.lastLoginAt !== null])).toEqual([['alex', true]]);
  });

  it('refuses short passwords and odd names, saying which field', async () => {
    const ctx = testContext();
    await expect(addUser(ctx.db, 'alex', 'short', cheap)).rejects.toMatchObject({ field: 'password' });
    await expect(addUser(ctx.db, 'a b', 'a long enough password', cheap)).rejects.toBeInstanceOf(
      UserInputError,
    );
  });

  it('a new password or a removal ends the sessions of that user', async () => {
    const ctx = testContext();
    await addUser(ctx.db, 'alex', 'a long enough password', cheap);
    const first = createSession(ctx.db, 'alex');
    expect(readSession(ctx.db, first.token)?.username).toBe('alex');
    expect(await addUser(ctx.db, 'alex', 'another long password', cheap)).toEqual({ created: false });
    expect(readSession(ctx.db, first.token)).toBeUndefined();
    const second = createSession(ctx.db, 'alex');
    expect(removeUser(ctx.db, 'alex')).toBe(true);
    expect(readSession(ctx.db, second.token)).toBeUndefined();
    expect(removeUser(ctx.db, 'alex')).toBe(false);
  });
});

describe('sessions', () => {
  it('keeps only a hash of the cookie value and ends idle and old sessions', async () => {
    const ctx = testContext();
    await addUser(ctx.db, 'alex', 'a long enough password', cheap);
    const t0 = 1_000_000_000_000;
    const { token } = createSession(ctx.db, 'alex', {}, t0);
    expect(JSON.stringify(ctx.db.prepare('SELECT * FROM dashboard_sessions').all())).not.toContain(token);
    expect(readSession(ctx.db, token, t0 + defaultSessionPolicy.idleMs - 1)).toBeDefined();
    // Used just now, so still alive well past the first idle limit, but never past the absolute one.
    expect(readSession(ctx.db, token, t0 + defaultSessionPolicy.idleMs + 60_000)).toBeDefined();
    expect(readSession(ctx.db, token, t0 + defaultSessionPolicy.maxAgeMs + 1)).toBeUndefined();
    const idle = createSession(ctx.db, 'alex', {}, t0).token;
    expect(readSession(ctx.db, idle, t0 + defaultSessionPolicy.idleMs + 1)).toBeUndefined();
    expect(readSession(ctx.db, 'not-a-token')).toBeUndefined();
  });
});

describe('login limits', () => {
  const fail = (
    db: Parameters<typeof recordLoginAttempt>[0],
    username: string,
    address: string,
    at: number,
  ) => recordLoginAttempt(db, { username, address, outcome: 'failure' }, at);

  it('an attacker failing from other addresses cannot lock the user out of their own address', () => {
    const { db } = testContext();
    const now = 2_000_000_000_000;
    for (let i = 0; i < 250; i++) fail(db, 'alex', `203.0.113.${i % 50}`, now - 1000 + i);
    expect(loginGate(db, 'alex', '198.51.100.7', now)).toEqual({ allowed: true });
    // …while each attacking address is held back for the user it tried.
    expect(loginGate(db, 'alex', '203.0.113.1', now).allowed).toBe(false);
  });

  it('holds back one user from one address after 5 failures, and one address after 20 across names', () => {
    const { db } = testContext();
    const now = 2_000_000_000_000;
    for (let i = 0; i < defaultLoginLimitPolicy.maxPerUserAddress; i++)
      fail(db, 'alex', '192.0.2.1', now - 60_000 + i);
    const held = loginGate(db, 'alex', '192.0.2.1', now);
    expect(held.allowed).toBe(false);
    if (!held.allowed) expect(held.retryAfterSeconds).toBeGreaterThan(13 * 60);
    expect(loginGate(db, 'sam', '192.0.2.1', now).allowed).toBe(true);
    for (let i = 0; i < defaultLoginLimitPolicy.maxPerAddress; i++)
      fail(db, `user${i}`, '192.0.2.2', now - 1000 + i);
    expect(loginGate(db, 'sam', '192.0.2.2', now).allowed).toBe(false);
    // The window passes: allowed again.
    expect(loginGate(db, 'alex', '192.0.2.1', now + defaultLoginLimitPolicy.windowMs).allowed).toBe(true);
  });

  it('a successful login clears that user and address pair', () => {
    const { db } = testContext();
    const now = 2_000_000_000_000;
    for (let i = 0; i < 4; i++) fail(db, 'alex', '192.0.2.1', now - 10_000 + i);
    recordLoginAttempt(db, { username: 'alex', address: '192.0.2.1', outcome: 'success' }, now - 5000);
    fail(db, 'alex', '192.0.2.1', now - 1000);
    expect(loginGate(db, 'alex', '192.0.2.1', now).allowed).toBe(true);
  });
});

describe('login hashing under a flood', () => {
  it('runs a bounded number of checks at once and refuses the rest as busy instead of queueing without end', async () => {
    const slots = new HashSlots(2, 3);
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const work = () =>
      new Promise<string>((resolve) => {
        running++;
        most = Math.max(most, running);
        gates.push(() => {
          running--;
          resolve('checked');
        });
      });
    const outcomes = Array.from({ length: 10 }, () => slots.run(work).catch((error: Error) => error.name));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gates).toHaveLength(2);
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const results = await Promise.all(outcomes);
    expect(results.filter((r) => r === 'checked')).toHaveLength(5);
    expect(results.filter((r) => r === 'LoginBusyError')).toHaveLength(5);
    expect(most).toBe(2);
  });
});
