import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { listQbrAudit } from '../../gateway/src/qbwc/audit/audit';
import {
  defaultLockoutPolicy,
  lockFor,
  recordLoginAttempt,
  slowDownMs,
} from '../../gateway/src/qbwc/sessions/credentials';
import { runCli } from '../helpers/cli';
import { tempDir, testContext } from '../helpers/context';

let ctx: AppContext | undefined;
afterEach(() => {
  ctx?.close();
  ctx = undefined;
});

function fail(c: AppContext, username: string, remoteIp: string, times: number, at: Date): void {
  for (let i = 0; i < times; i++) recordLoginAttempt(c.db, { username, remoteIp, outcome: 'failure', at });
}

describe('qb-bridge qbwc unlock', () => {
  it('lifts the lockouts and the slow-down of one user name, says which, and leaves other names alone', () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
    ctx = testContext(env);
    const now = new Date();
    fail(ctx, 'acme', '203.0.113.9', 5, now);
    fail(ctx, 'acme', '203.0.113.10', 2, now);
    fail(ctx, 'other', '203.0.113.9', 5, now);
    expect(lockFor(ctx.db, 'acme', '203.0.113.9', now, defaultLockoutPolicy)).toBeDefined();
    expect(slowDownMs(ctx.db, 'acme', now, defaultLockoutPolicy)).toBe(3000);
    ctx.close();
    ctx = undefined;

    const unlocked = runCli(['qbwc', 'unlock', '--username', 'acme', '--json'], env);
    expect(unlocked.code).toBe(0);
    expect(JSON.parse(unlocked.stdout)).toEqual([
      { username: 'acme', remote_ip: '203.0.113.9', failures: 5, locked_until: expect.any(String) },
    ]);
    const again = runCli(['qbwc', 'unlock', '--username', 'acme'], env);
    expect(again.stdout).toContain('No lockout held for "acme"');

    ctx = testContext(env);
    const later = new Date();
    expect(lockFor(ctx.db, 'acme', '203.0.113.9', later, defaultLockoutPolicy)).toBeUndefined();
    expect(slowDownMs(ctx.db, 'acme', later, defaultLockoutPolicy)).toBe(0);
    expect(lockFor(ctx.db, 'other', '203.0.113.9', later, defaultLockoutPolicy)).toBeDefined();
    expect(listQbrAudit(ctx.db, { action: 'qbwc_unlock' })[0]).toMatchObject({
      actor: 'cli',
      resource: 'acme',
    });
  });
});
