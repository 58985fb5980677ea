import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fingerprintOf,
  hostMatches,
  knownKeysFor,
  preferredHostKeyTypes,
  verifyHostKey,
} from '../../gateway/src/zimbra/ssh/known-hosts';
import { localFolderSource } from '../../gateway/src/zimbra/ssh/local-source';
import { SourceError, selectReports } from '../../gateway/src/zimbra/ssh/source';
import { tempDir } from '../helpers/context';

function edKey(): { line: string; blob: Buffer } {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, type.length]), type, Buffer.from([0, 0, 0, 32]), raw]);
  return { line: `ssh-ed25519 ${blob.toString('base64')}`, blob };
}

function hashed(name: string): string {
  const salt = crypto.randomBytes(20);
  return `|1|${salt.toString('base64')}|${crypto.createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts matching', () => {
  it('matches plain, [host]:port, wildcard, negated and hashed fields', () => {
    expect(hostMatches('mail.example.com,10.0.0.5', 'mail.example.com', 22)).toBe(true);
    expect(hostMatches('mail.example.com', 'mail.example.com', 2222)).toBe(false);
    expect(hostMatches('[mail.example.com]:2222', 'mail.example.com', 2222)).toBe(true);
    expect(hostMatches('*.example.com,!evil.example.com', 'mail.example.com', 22)).toBe(true);
    expect(hostMatches('*.example.com,!evil.example.com', 'evil.example.com', 22)).toBe(false);
    expect(hostMatches('mail?.example.com', 'mail1.example.com', 22)).toBe(true);
    expect(hostMatches(hashed('[h.example]:2200'), 'h.example', 2200)).toBe(true);
    expect(hostMatches(hashed('h.example'), 'h.example', 2200)).toBe(false);
  });

  it('decides trusted, unknown, changed and revoked', () => {
    const a = edKey();
    const b = edKey();
    const trust = (text: string) => ({ kind: 'known_hosts' as const, path: '/k', text });
    expect(verifyHostKey(trust(`h.example ${a.line}\n`), 'h.example', 22, a.blob).kind).toBe('trusted');
    const unknown = verifyHostKey(trust(''), 'h.example', 2200, a.blob);
    expect(unknown.kind).toBe('unknown');
    expect(unknown.kind === 'unknown' && unknown.lineToAdd).toBe(`[h.example]:2200 ${a.line}`);
    const changed = verifyHostKey(trust(`h.example ${b.line}\n`), 'h.example', 22, a.blob);
    expect(changed.kind).toBe('changed');
    expect(changed.kind === 'changed' && changed.expected).toEqual([fingerprintOf(b.blob)]);
    expect(
      verifyHostKey(trust(`@revoked h.example ${a.line}\nh.example ${a.line}\n`), 'h.example', 22, a.blob)
        .kind,
    ).toBe('revoked');
    // A CA line is not a host key.
    expect(knownKeysFor(`@cert-authority h.example ${a.line}\n`, 'h.example', 22)).toEqual([]);
    expect(
      verifyHostKey({ kind: 'fingerprint', fingerprint: fingerprintOf(a.blob) }, 'h', 22, a.blob).kind,
    ).toBe('trusted');
    expect(
      verifyHostKey({ kind: 'fingerprint', fingerprint: fingerprintOf(b.blob) }, 'h', 22, a.blob).kind,
    ).toBe('changed');
  });

  it('offers the host key types known_hosts holds first', () => {
    const a = edKey();
    const types = preferredHostKeyTypes({ kind: 'known_hosts', path: '/k', text: `h ${a.line}` }, 'h', 22);
    expect(types[0]).toBe('ssh-ed25519');
  });
});

describe('report selection and the local-folder source', () => {
  it('picks report names within the window, oldest first', () => {
    const names = [
      'MailboxUsage_2025-10-14.txt',
      'MailboxUsage_2025-09-20.txt',
      'MailboxUsage_2025-09-28.txt',
      'x.txt',
      'MailboxUsage_2025-11-08.txt',
      'MailboxUsage_20251007.txt',
    ];
    expect(selectReports(names, { from: '2025-09-24', to: '2025-11-08' }).map((r) => r.name)).toEqual([
      'MailboxUsage_2025-09-28.txt',
      'MailboxUsage_20251007.txt',
      'MailboxUsage_2025-10-14.txt',
    ]);
  });

  it('reads a folder and refuses a missing one with a sentence', async () => {
    const dir = tempDir('qbb-local-');
    fs.writeFileSync(path.join(dir, 'MailboxUsage_2025-10-07.txt'), 'x');
    const source = localFolderSource(dir);
    expect(await source.list()).toEqual(['MailboxUsage_2025-10-07.txt']);
    expect(await source.read('MailboxUsage_2025-10-07.txt')).toBe('x');
    await expect(source.read('../etc/passwd')).rejects.toBeInstanceOf(SourceError);
    await expect(localFolderSource(path.join(dir, 'missing')).list()).rejects.toThrow(/does not exist/);
  });
});
