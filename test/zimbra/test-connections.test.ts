import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, reportFileName } from '../../gateway/src/zimbra/report/format-report';
import { runCliAsync } from '../helpers/cli';
import { startZimbraHarness, type ZimbraHarness } from './helpers';
import { startSshd, type TestSshd } from './sshd';

/**
 * `qb-bridge test-connections` (the seed's "should see green checkmarks": SSH + QuickBooks) and
 * `qb-bridge zimbra test-connection`, against a real OpenSSH server and the QBO emulator.
 */

let sshd: TestSshd;
let h: ZimbraHarness;

beforeAll(async () => {
  sshd = await startSshd();
  h = await startZimbraHarness();
  fs.writeFileSync(
    path.join(sshd.reportDir, reportFileName('2025-10-07')),
    formatReport('2025-10-07', [['a.com', [['std-5gb', 3]]]]),
  );
}, 30_000);

afterAll(async () => {
  await sshd?.stop();
  await h?.close();
});

function zimbraEnv(knownHosts: string): Record<string, string> {
  const file = path.join(h.dataDir, `known_hosts_${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, knownHosts);
  return {
    ...h.env,
    ZIMBRA_HOST: '127.0.0.1',
    ZIMBRA_PORT: String(sshd.port),
    ZIMBRA_USERNAME: sshd.user,
    ZIMBRA_KEY_FILE: sshd.userKey,
    ZIMBRA_KNOWN_HOSTS: file,
    ZIMBRA_REPORT_PATH: sshd.reportDir,
  };
}

describe('test-connections: the Zimbra server over SSH and QuickBooks', () => {
  it('shows both green checks with a known host key; --json carries both parts', async () => {
    const env = zimbraEnv(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const human = await runCliAsync(['test-connections'], env);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      `✓ Zimbra connection successful: sftp://${sshd.user}@127.0.0.1:${sshd.port}${sshd.reportDir} (1 reports, newest MailboxUsage_2025-10-07.txt)`,
    );
    expect(human.stdout).toContain('QuickBooks: connected to "Sandbox Company_US_1"');

    const json = await runCliAsync(['test-connections', '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      realmId: h.realm,
      zimbra: { ok: true, reports: 1, newest: 'MailboxUsage_2025-10-07.txt' },
    });

    // The same check `zimbra test-connection` makes, word for word.
    const single = await runCliAsync(['zimbra', 'test-connection'], env);
    expect(single.code).toBe(0);
    expect(single.stdout.trim()).toBe(human.stdout.split('\n')[0]);
  });

  it('refuses an unknown host key with its fingerprint, still checks QuickBooks, and exits 4', async () => {
    const env = zimbraEnv('# nothing known yet\n');
    const result = await runCliAsync(['test-connections'], env);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('QuickBooks: connected to "Sandbox Company_US_1"');
    // The refusal names the fingerprint and the exact known_hosts line to add (after checking it).
    expect(result.stderr).toMatch(/^✗ Zimbra: .*refusing to connect.*SHA256:/);
    expect(result.stderr).toContain(
      `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub.split(' ').slice(0, 2).join(' ')}`,
    );

    const json = await runCliAsync(['test-connections', '--json'], env);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, zimbra: { ok: false, exitCode: 4 } });
  });

  it('without ZIMBRA_HOST says the SSH part was not checked and checks QuickBooks alone', async () => {
    const result = await runCliAsync(['test-connections'], h.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('– Zimbra: no SSH server configured (set ZIMBRA_HOST to check it)');
    expect(result.stdout).toContain('QuickBooks: connected to "Sandbox Company_US_1"');
  });
});
