import { describe, expect, it } from 'vitest';
import { checkUserPassword } from '../../gateway/src/auth/users';
import { runCli } from '../helpers/cli';
import { tempDir, testContext } from '../helpers/context';

describe('qb-bridge admin add-user / remove-user', { timeout: 60_000 }, () => {
  it('adds a user from stdin, refuses a short password (exit 2), lists, removes, and audits each step', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
    const added = runCli(
      ['admin', 'add-user', '--username', 'sam', '--password-stdin'],
      env,
      'a perfectly long password\n',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toBe('');
    expect(added.stderr).toContain('Dashboard user "sam" added');

    const short = runCli(['admin', 'add-user', '--username', 'kim', '--password-stdin'], env, 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 12 characters');

    const listed = runCli(['admin', 'list-users', '--json'], env);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ username: 'sam', lastLoginAt: null }),
    ]);

    const ctx = testContext({ DATA_DIR: dir });
    try {
      expect(await checkUserPassword(ctx.db, 'sam', 'a perfectly long password')).toBe('sam');
      expect(runCli(['admin', 'remove-user', '--username', 'sam'], env).code).toBe(0);
      expect(await checkUserPassword(ctx.db, 'sam', 'a perfectly long password')).toBeUndefined();
      expect(runCli(['admin', 'remove-user', '--username', 'sam'], env).code).toBe(2);
      const actions = ctx.audit.recent({ limit: 10 }).map((r) => `${r.actor} ${r.action} ${r.target}`);
      expect(actions).toEqual(['cli dashboard.user.remove sam', 'cli dashboard.user.add sam']);
    } finally {
      ctx.close();
    }
  });

  it('without --password-stdin and no terminal it says how to pipe the password in', () => {
    const result = runCli(['admin', 'add-user', '--username', 'sam'], {
      DATA_DIR: tempDir(),
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--password-stdin');
  });
});
