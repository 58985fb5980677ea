import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { harness, password, username } from './helpers';

describe('qb-bridge qbwc audit', () => {
  it('lists Web Connector logins newest first, filters failures, and never shows a password', async () => {
    const h = await harness();
    const dataDir = h.ctx.config.dataDir;
    expect(
      (
        await h.call('authenticate', [
          ['strUserName', username],
          ['strPassword', 'wrong-password'],
        ])
      ).strings[1],
    ).toBe('nvu');
    expect(
      (
        await h.call('authenticate', [
          ['strUserName', username],
          ['strPassword', password],
        ])
      ).strings[1],
    ).not.toBe('nvu');
    h.close();

    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const all = runCli(['qbwc', 'audit', '--action', 'qbwc_auth', '--json'], env);
    expect(all.code).toBe(0);
    const rows = JSON.parse(all.stdout) as Array<{
      actor: string;
      outcome: string;
      failureReason: string | null;
    }>;
    expect(rows.map((r) => r.outcome)).toEqual(['success', 'failure']);
    expect(rows[1]).toMatchObject({ actor: username, failureReason: 'invalid_password' });
    expect(all.stdout).not.toContain('wrong-password');
    expect(all.stdout).not.toContain(password);

    const failures = runCli(['qbwc', 'audit', '--failures'], env);
    expect(failures.code).toBe(0);
    expect(failures.stdout.trim().split('\n')).toHaveLength(1);
    expect(failures.stdout).toMatch(/failure +qbwc_auth .*acme-qbwc.*\(invalid_password\)/);

    expect(runCli(['qbwc', 'audit', '--limit', '0'], env).code).toBe(2);
    // A mistyped action is a usage error naming the real ones, not an empty list.
    const bogus = runCli(['qbwc', 'audit', '--action', 'bogus'], env);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('--action bogus is not an action of the Web Connector audit log');
    expect(bogus.stderr).toContain('qbwc_auth');
  });
});
