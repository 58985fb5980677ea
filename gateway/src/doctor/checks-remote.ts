import fs from 'node:fs';
import mysql from 'mysql2/promise';
import { Client } from 'ssh2';
import type { Config } from '../config/load';
import { scrubString } from '../log/redact';
import {
  type HostKeyVerdict,
  isPinnedFingerprint,
  preferredHostKeyTypes,
  type TrustSource,
  verifyHostKey,
} from '../zimbra/ssh/known-hosts';
import { type CheckResult, fail, ok, skip } from './check';

/**
 * The integrations the gateway reaches over the network: the MIS database and the Zimbra server. Each is
 * tried once with a short timeout, the way the flow will connect, and nothing is read or written.
 */

/** host:port/database of a mysql:// URL, never its user or password. */
export function describeMysqlUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 3306}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'MIS_DATABASE_URL';
  }
}

export async function checkMis(
  config: Pick<Config, 'MIS_DATABASE_URL'>,
  timeoutMs: number,
): Promise<CheckResult> {
  const id = 'mis';
  const url = config.MIS_DATABASE_URL;
  if (!url) {
    return skip(
      id,
      'the MIS database is not configured',
      'set MIS_DATABASE_URL=mysql://reader:…@host:3306/mis',
    );
  }
  const where = describeMysqlUrl(url);
  const started = Date.now();
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ uri: url, connectTimeout: timeoutMs });
    await connection.query({ sql: 'SELECT 1', timeout: timeoutMs });
    return ok(id, `MIS database ${where} answered SELECT 1 in ${Date.now() - started} ms`);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = scrubString((error as Error).message || code);
    const fix = /ACCESS_DENIED/.test(code)
      ? 'check the user and password in MIS_DATABASE_URL and that the user may connect from this host'
      : code === 'ER_BAD_DB_ERROR'
        ? 'check the database name at the end of MIS_DATABASE_URL'
        : 'check the host and port in MIS_DATABASE_URL, that MySQL listens there and a firewall lets this server in';
    return fail(id, `cannot use the MIS database ${where}: ${message}${code ? ` (${code})` : ''}`, fix);
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

interface SshAttempt {
  hostKey?: Buffer;
  verdict?: HostKeyVerdict;
  loggedIn: boolean;
  error?: string;
}

/** One SSH handshake (and login when a key is given); the host key is judged before anything is sent. */
function trySsh(
  options: { host: string; port: number; username: string; privateKey?: Buffer },
  trust: TrustSource,
  timeoutMs: number,
): Promise<SshAttempt> {
  return new Promise((resolve) => {
    const attempt: SshAttempt = { loggedIn: false };
    const client = new Client();
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      if (error) attempt.error = error;
      client.end();
      resolve(attempt);
    };
    client.once('ready', () => {
      attempt.loggedIn = true;
      finish();
    });
    client.once('error', (error) => finish(error.message));
    client.once('close', () => finish());
    client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      privateKey: options.privateKey,
      readyTimeout: timeoutMs,
      // With no key to log in with, stop right after the host key: that part is what can be checked.
      authHandler: options.privateKey ? undefined : () => false,
      // The key types known for this host first, so the server presents one that can be checked.
      // biome-ignore lint/suspicious/noExplicitAny: ssh2's algorithm list type is a closed union of names
      algorithms: { serverHostKey: preferredHostKeyTypes(trust, options.host, options.port) as any },
      hostVerifier: (key: Buffer) => {
        attempt.hostKey = key;
        attempt.verdict = verifyHostKey(trust, options.host, options.port, key);
        return attempt.verdict.kind === 'trusted';
      },
    });
  });
}

export async function checkZimbra(
  config: Pick<
    Config,
    'ZIMBRA_HOST' | 'ZIMBRA_PORT' | 'ZIMBRA_USERNAME' | 'ZIMBRA_KEY_FILE' | 'ZIMBRA_KNOWN_HOSTS'
  >,
  timeoutMs: number,
): Promise<CheckResult> {
  const id = 'zimbra';
  const host = config.ZIMBRA_HOST;
  if (!host)
    return skip(
      id,
      'the Zimbra server is not configured',
      'set ZIMBRA_HOST, ZIMBRA_KEY_FILE and ZIMBRA_KNOWN_HOSTS',
    );
  const port = config.ZIMBRA_PORT;
  const scan = `\`ssh-keyscan -p ${port} ${host}\``;
  if (!config.ZIMBRA_KNOWN_HOSTS) {
    return fail(
      id,
      'ZIMBRA_KNOWN_HOSTS is not set, so the Zimbra server cannot be recognised and the connection is refused',
      `put the server's host key in a known_hosts file (${scan}, compare the fingerprint with the server's own) and set ZIMBRA_KNOWN_HOSTS to it`,
    );
  }
  let trust: TrustSource;
  let privateKey: Buffer | undefined;
  try {
    // The same trust the billing run uses (zimbra/ssh/known-hosts.ts): a known_hosts file or a pinned SHA256.
    const known = config.ZIMBRA_KNOWN_HOSTS;
    trust = isPinnedFingerprint(known)
      ? { kind: 'fingerprint', fingerprint: known.trim() }
      : { kind: 'known_hosts', path: known, text: fs.readFileSync(known, 'utf8') };
    if (config.ZIMBRA_KEY_FILE) privateKey = fs.readFileSync(config.ZIMBRA_KEY_FILE);
  } catch (error) {
    return fail(
      id,
      `cannot read ${(error as NodeJS.ErrnoException).path ?? 'a Zimbra file'}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'check ZIMBRA_KNOWN_HOSTS and ZIMBRA_KEY_FILE name files the service user can read',
    );
  }
  const attempt = await trySsh(
    { host, port, username: config.ZIMBRA_USERNAME, privateKey },
    trust,
    timeoutMs,
  );
  const where = `${host}:${port}`;
  if (!attempt.hostKey) {
    return fail(
      id,
      `cannot reach the Zimbra server ${where}: ${attempt.error ?? 'no SSH answer'}`,
      'check ZIMBRA_HOST and ZIMBRA_PORT, that sshd runs there and a firewall lets this server in',
    );
  }
  const verdict = attempt.verdict!;
  const print = verdict.fingerprint;
  if (verdict.kind === 'revoked') {
    return fail(
      id,
      `the Zimbra server ${where} presented host key ${print}, which ${config.ZIMBRA_KNOWN_HOSTS} marks @revoked`,
      'find out why the server uses a revoked key before connecting; do not remove the @revoked line to make this pass',
    );
  }
  if (verdict.kind === 'changed') {
    return fail(
      id,
      verdict.message,
      'compare the new fingerprint with the server administrator before trusting it; it may be an interception',
    );
  }
  if (verdict.kind === 'unknown') {
    return fail(
      id,
      `the Zimbra server ${where} presented host key ${print}, which is not in ${config.ZIMBRA_KNOWN_HOSTS}`,
      `if the server's administrator confirms ${print}, add its line (${scan}) to ${config.ZIMBRA_KNOWN_HOSTS}`,
    );
  }
  if (!privateKey) {
    return fail(
      id,
      `the Zimbra server ${where} is reachable and its host key ${print} is known, but ZIMBRA_KEY_FILE is not set`,
      'set ZIMBRA_KEY_FILE to the private key whose public half is in the Zimbra user’s authorized_keys',
    );
  }
  if (!attempt.loggedIn) {
    return fail(
      id,
      `the Zimbra server ${where} is known (${print}) but refused the key in ${config.ZIMBRA_KEY_FILE} for user ${config.ZIMBRA_USERNAME}: ${attempt.error ?? 'login failed'}`,
      `add the key's public half to ~${config.ZIMBRA_USERNAME}/.ssh/authorized_keys on ${host}`,
    );
  }
  return ok(
    id,
    `the Zimbra server ${where} is known (${print}) and accepted the key for ${config.ZIMBRA_USERNAME}`,
  );
}
