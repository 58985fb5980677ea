import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import type Ssh2 from 'ssh2';

/** ssh2 loads in ~0.5 s; only a run that talks to a server needs its key parser, so it is required on first use. */
let ssh2Module: typeof Ssh2 | undefined;
function ssh2(): typeof Ssh2 {
  ssh2Module ??= createRequire(import.meta.url)('ssh2') as typeof Ssh2;
  return ssh2Module;
}

/**
 * Host-key trust for the Zimbra server, decided before any credential is sent. Pure apart from ssh2's key
 * parser: a known_hosts text (OpenSSH format: plain and `|1|salt|hash` hashed host fields, `[host]:port`,
 * `*`/`?` patterns, `!negation`, `@revoked`; `@cert-authority` lines are not host keys and are skipped) or
 * a pinned `SHA256:` fingerprint is matched against the key the server presents. There is no automatic
 * trust: an unknown or changed key is refused with its fingerprint and the exact line that would trust it.
 */

export interface KnownKey {
  type: string;
  /** The key in SSH wire format (what the server presents). */
  blob: Buffer;
  revoked: boolean;
  line: number;
}

export type HostKeyVerdict =
  | { kind: 'trusted'; fingerprint: string }
  | { kind: 'unknown'; fingerprint: string; keyType: string; lineToAdd: string; message: string }
  | {
      kind: 'changed';
      fingerprint: string;
      keyType: string;
      lineToAdd: string;
      message: string;
      expected: string[];
    }
  | { kind: 'revoked'; fingerprint: string; keyType: string; message: string };

/** OpenSSH's `SHA256:` fingerprint of a wire-format key (base64 without padding). */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a wire-format key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('ascii');
}

/** How a host appears in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function hostField(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const expected = Buffer.from(parts[3]!, 'base64');
  const actual = crypto.createHmac('sha1', salt).update(name).digest();
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/** Whether a known_hosts host field (comma-separated patterns) names `host` on `port`. */
export function hostMatches(field: string, host: string, port: number): boolean {
  const name = hostField(host, port);
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(body).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The keys known_hosts lists for this host and port. Unparseable lines are ignored, as ssh does. */
export function knownKeysFor(text: string, host: string, port: number): KnownKey[] {
  const keys: KnownKey[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift();
      if (marker === '@cert-authority') return;
      revoked = marker === '@revoked';
    }
    const [hosts, type, base64] = fields;
    if (!hosts || !type || !base64 || !hostMatches(hosts, host, port)) return;
    const parsed = ssh2().utils.parseKey(`${type} ${base64}`);
    if (parsed instanceof Error) return;
    keys.push({ type: parsed.type, blob: parsed.getPublicSSH(), revoked, line: index + 1 });
  });
  return keys;
}

export type TrustSource =
  | { kind: 'known_hosts'; path: string; text: string }
  | { kind: 'fingerprint'; fingerprint: string };

/** `ZIMBRA_KNOWN_HOSTS` holds either a path to a known_hosts file or a pinned `SHA256:…` fingerprint. */
export function isPinnedFingerprint(value: string): boolean {
  return /^SHA256:[A-Za-z0-9+/]{43}=?$/.test(value.trim());
}

export function verifyHostKey(trust: TrustSource, host: string, port: number, blob: Buffer): HostKeyVerdict {
  const fingerprint = fingerprintOf(blob);
  const keyType = keyTypeOf(blob);
  const lineToAdd = `${hostField(host, port)} ${keyType} ${blob.toString('base64')}`;
  const where = `${host} port ${port}`;
  if (trust.kind === 'fingerprint') {
    const pinned = trust.fingerprint.trim().replace(/=+$/, '');
    if (pinned === fingerprint) return { kind: 'trusted', fingerprint };
    return {
      kind: 'changed',
      fingerprint,
      keyType,
      lineToAdd,
      expected: [pinned],
      message: `The Zimbra server ${where} presented ${keyType} key ${fingerprint}, not the pinned ${pinned}; refusing to connect. If the server's key really changed, check the new fingerprint with its administrator and set ZIMBRA_KNOWN_HOSTS=${fingerprint}.`,
    };
  }
  const known = knownKeysFor(trust.text, host, port);
  const same = known.filter((k) => k.blob.equals(blob));
  if (same.some((k) => k.revoked)) {
    return {
      kind: 'revoked',
      fingerprint,
      keyType,
      message: `The Zimbra server ${where} presented ${keyType} key ${fingerprint}, which ${trust.path} marks @revoked; refusing to connect.`,
    };
  }
  if (same.length > 0) return { kind: 'trusted', fingerprint };
  const sameType = known.filter((k) => !k.revoked && k.type === keyType);
  if (sameType.length > 0) {
    const expected = sameType.map((k) => fingerprintOf(k.blob));
    return {
      kind: 'changed',
      fingerprint,
      keyType,
      lineToAdd,
      expected,
      message: `WARNING: the host key of the Zimbra server ${where} has CHANGED: it presented ${keyType} key ${fingerprint}, but ${trust.path} line ${sameType[0]!.line} expects ${expected[0]}. Someone may be intercepting the connection; refusing to connect. Only if the server's administrator confirms the new key, replace that line with:\n${lineToAdd}`,
    };
  }
  return {
    kind: 'unknown',
    fingerprint,
    keyType,
    lineToAdd,
    message: `The Zimbra server ${where} is not in ${trust.path}; refusing to connect (no automatic trust). It presented ${keyType} key ${fingerprint}. After checking that fingerprint with the server's administrator (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${keyType.replace(/^ssh-/, '').replace(/^ecdsa-sha2-nistp\d+$/, 'ecdsa')}_key.pub), add this line to ${trust.path}:\n${lineToAdd}`,
  };
}

/** Host key algorithms to offer, the known ones first, so the server presents a key we can check. */
export function preferredHostKeyTypes(trust: TrustSource, host: string, port: number): string[] {
  const all = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
  ];
  if (trust.kind !== 'known_hosts') return all;
  const types = new Set(
    knownKeysFor(trust.text, host, port)
      .filter((k) => !k.revoked)
      .map((k) => k.type),
  );
  const wanted = (alg: string) => types.has(alg) || (alg.startsWith('rsa-sha2') && types.has('ssh-rsa'));
  return [...all.filter(wanted), ...all.filter((alg) => !wanted(alg))];
}
