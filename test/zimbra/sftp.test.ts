import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, reportFileName } from '../../gateway/src/zimbra/report/format-report';
import { fetchMonthReports } from '../../gateway/src/zimbra/ssh/fetch';
import { openSftpSource, type SftpSettings } from '../../gateway/src/zimbra/ssh/sftp-source';
import { SourceError } from '../../gateway/src/zimbra/ssh/source';
import { tempDir } from '../helpers/context';
import { hashedKnownHostsLine, startSshd, type TestSshd } from './sshd';

let sshd: TestSshd;
let work: string;

function fingerprint(pubLine: string): string {
  const file = path.join(work, `fp-${Math.random().toString(36).slice(2)}.pub`);
  fs.writeFileSync(file, `${pubLine}\n`);
  return String(execFileSync('ssh-keygen', ['-lf', file])).split(' ')[1]!;
}

function knownHosts(text: string): string {
  const file = path.join(work, `known_hosts_${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, text);
  return file;
}

const settings = (over: Partial<SftpSettings>): SftpSettings => ({
  host: '127.0.0.1',
  port: sshd.port,
  username: sshd.user,
  keyFile: sshd.userKey,
  reportPath: sshd.reportDir,
  connectTimeoutMs: 8000,
  ...over,
});

async function refusal(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SourceError);
    return error as SourceError;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  sshd = await startSshd();
  work = tempDir('qbb-sftp-');
  for (const date of [
    '2025-09-28',
    '2025-10-07',
    '2025-10-14',
    '2025-10-21',
    '2025-10-28',
    '2025-11-07',
    '2025-12-07',
  ]) {
    fs.writeFileSync(
      path.join(sshd.reportDir, reportFileName(date)),
      formatReport(date, [['a.com', [['std-5gb', Number(date.slice(8))]]]]),
    );
  }
  fs.writeFileSync(path.join(sshd.reportDir, 'notes.txt'), 'not a report');
}, 30_000);

afterAll(async () => {
  await sshd?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('SFTP source against a real OpenSSH server', () => {
  it('fetches the month and its neighbouring snapshots when the host key is in known_hosts ([host]:port)', async () => {
    const file = knownHosts(`# comment\n[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const source = await openSftpSource(settings({ knownHosts: file }));
    const progress: string[] = [];
    try {
      const { reports } = await fetchMonthReports(source, { year: 2025, month: 10 }, (p) =>
        progress.push(`${p.index}/${p.total} ${p.name}`),
      );
      expect(reports.map((r) => r.date)).toEqual([
        '2025-09-28',
        '2025-10-07',
        '2025-10-14',
        '2025-10-21',
        '2025-10-28',
        '2025-11-07',
      ]);
      expect(reports[2]?.parsed.usage.get('a.com')?.get('std-5gb')).toBe(14);
      expect(progress[0]).toBe('1/6 MailboxUsage_2025-09-28.txt');
    } finally {
      await source.close();
    }
  });

  it('accepts a hashed known_hosts entry and a pinned SHA256 fingerprint', async () => {
    const hashed = knownHosts(`${hashedKnownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeyPub)}\n`);
    expect(fs.readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    const a = await openSftpSource(settings({ knownHosts: hashed }));
    expect(a.fingerprint).toBe(fingerprint(sshd.hostKeyPub));
    await a.close();
    const b = await openSftpSource(settings({ knownHosts: fingerprint(sshd.hostKeyPub) }));
    expect((await b.list()).length).toBeGreaterThan(0);
    await b.close();
  });

  it('refuses an unknown host key and prints its fingerprint and the line to add', async () => {
    const empty = knownHosts(`[127.0.0.1]:1 ${sshd.hostKeyPub}\n`); // same key, other port: not this host
    const error = await refusal(openSftpSource(settings({ knownHosts: empty })));
    expect(error.kind).toBe('host-key');
    expect(error.message).toContain(fingerprint(sshd.hostKeyPub));
    const keyPart = sshd.hostKeyPub.split(' ').slice(0, 2).join(' ');
    expect(error.message).toContain(`\n[127.0.0.1]:${sshd.port} ${keyPart}`);
    expect(error.message).toMatch(/no automatic trust/);
    // Following the advice works.
    fs.appendFileSync(empty, `[127.0.0.1]:${sshd.port} ${keyPart}\n`);
    await (await openSftpSource(settings({ knownHosts: empty }))).close();
  });

  it('refuses a changed host key (known_hosts and pinned fingerprint)', async () => {
    const other = path.join(work, 'other_host');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const otherPub = fs.readFileSync(`${other}.pub`, 'utf8').trim();
    const file = knownHosts(`[127.0.0.1]:${sshd.port} ${otherPub}\n`);
    const error = await refusal(openSftpSource(settings({ knownHosts: file })));
    expect(error.kind).toBe('host-key');
    expect(error.message).toMatch(/CHANGED/);
    expect(error.message).toContain(fingerprint(otherPub));
    expect(error.message).toContain(fingerprint(sshd.hostKeyPub));
    const pinned = await refusal(openSftpSource(settings({ knownHosts: fingerprint(otherPub) })));
    expect(pinned.message).toMatch(/not the pinned/);
  });

  it('reports a user key the server does not accept', async () => {
    const file = knownHosts(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const error = await refusal(openSftpSource(settings({ knownHosts: file, keyFile: sshd.otherUserKey })));
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/refused the login/);
  });

  it('reports a missing report folder', async () => {
    const file = knownHosts(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub}\n`);
    const source = await openSftpSource(settings({ knownHosts: file, reportPath: `${sshd.reportDir}/nope` }));
    try {
      const error = await refusal(source.list());
      expect(error.kind).toBe('config');
      expect(error.message).toMatch(/does not exist/);
    } finally {
      await source.close();
    }
  });

  it('refuses report paths with .. or ~ before connecting', async () => {
    expect((await refusal(openSftpSource(settings({ reportPath: '/opt/../etc' })))).kind).toBe('config');
    expect((await refusal(openSftpSource(settings({ reportPath: '~/reports' })))).kind).toBe('config');
  });
});
