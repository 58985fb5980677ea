import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import {
  type HostKeyVerdict,
  isPinnedFingerprint,
  preferredHostKeyTypes,
  type TrustSource,
  verifyHostKey,
} from './known-hosts';
import { maxReportBytes, type ReportSource, SourceError, validateRemotePath } from './source';

export interface SftpSettings {
  host: string;
  port: number;
  username: string;
  /** Private key file; without one the SSH agent (`SSH_AUTH_SOCK`) is asked. */
  keyFile?: string;
  agentSocket?: string;
  /** A known_hosts path or a pinned `SHA256:` fingerprint; default `~/.ssh/known_hosts`. */
  knownHosts?: string;
  reportPath: string;
  connectTimeoutMs?: number;
  /** How long one SFTP operation (a listing, one file) may take. */
  readTimeoutMs?: number;
}

function trustFrom(value: string | undefined): TrustSource {
  if (value && isPinnedFingerprint(value)) return { kind: 'fingerprint', fingerprint: value.trim() };
  const file = value ?? path.join(os.homedir(), '.ssh', 'known_hosts');
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    // A missing file trusts nothing; the refusal then says which line to put in it.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new SourceError(`Cannot read ZIMBRA_KNOWN_HOSTS ${file}: ${(error as Error).message}`, 'config');
    }
  }
  return { kind: 'known_hosts', path: file, text };
}

function withTimeout<T>(
  ms: number,
  what: string,
  run: (done: (error: unknown, value?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new SourceError(`${what} took longer than ${Math.round(ms / 1000)} s`, 'io')),
      ms,
    );
    run((error, value) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value as T);
    });
  });
}

/** SFTP status 2 is "no such file". */
const isNoSuchFile = (error: unknown) => (error as { code?: unknown }).code === 2;

/** The user key (ZIMBRA_KEY_FILE) or, without one, the SSH agent; having neither is a setup error. */
function loginCredentials(settings: SftpSettings): { privateKey?: Buffer; agent?: string } {
  let privateKey: Buffer | undefined;
  if (settings.keyFile) {
    try {
      privateKey = fs.readFileSync(settings.keyFile);
    } catch (error) {
      throw new SourceError(
        `Cannot read ZIMBRA_KEY_FILE ${settings.keyFile}: ${(error as Error).message}`,
        'config',
      );
    }
  }
  const agent = privateKey ? undefined : settings.agentSocket;
  if (!privateKey && !agent) {
    throw new SourceError(
      'Set ZIMBRA_KEY_FILE to the private key that logs in to the Zimbra server (or run an SSH agent)',
      'config',
    );
  }
  return { privateKey, agent };
}

/** The sentence for a connection that failed before the host key was refused: login, timeout or network. */
function connectFailure(
  settings: SftpSettings,
  error: Error & { level?: string },
  withKeyFile: boolean,
): SourceError {
  if (error.level === 'client-authentication')
    return new SourceError(
      `The Zimbra server ${settings.host} refused the login of "${settings.username}" with ${withKeyFile ? `ZIMBRA_KEY_FILE ${settings.keyFile}` : 'the SSH agent'}; put its public key in ~${settings.username}/.ssh/authorized_keys on the server`,
      'config',
    );
  if (error.level === 'client-timeout')
    return new SourceError(
      `No SSH answer from ${settings.host} port ${settings.port} within ${Math.round((settings.connectTimeoutMs ?? 20_000) / 1000)} s`,
      'io',
    );
  return new SourceError(
    `Cannot reach the Zimbra server ${settings.host} port ${settings.port}: ${error.message}`,
    'io',
  );
}

/**
 * Opens an SFTP session to the Zimbra server. The host key is checked inside the handshake, before the
 * user key is offered; a refused key ends the attempt with the verdict's sentence.
 */
export async function openSftpSource(
  settings: SftpSettings,
): Promise<ReportSource & { fingerprint: string }> {
  const reportPath = validateRemotePath(settings.reportPath);
  const trust = trustFrom(settings.knownHosts);
  const { privateKey, agent } = loginCredentials(settings);
  const readTimeout = settings.readTimeoutMs ?? 60_000;
  const ssh2 = (await import('ssh2')).default;
  const client = new ssh2.Client();
  let verdict: HostKeyVerdict | undefined;
  const where = `${settings.username}@${settings.host}:${settings.port}`;

  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error: Error & { level?: string }) => {
      if (verdict && verdict.kind !== 'trusted') reject(new SourceError(verdict.message, 'host-key'));
      else reject(connectFailure(settings, error, privateKey !== undefined));
    });
    try {
      client.connect({
        host: settings.host,
        port: settings.port,
        username: settings.username,
        privateKey,
        agent,
        readyTimeout: settings.connectTimeoutMs ?? 20_000,
        // biome-ignore lint/suspicious/noExplicitAny: ssh2's algorithm list type is a union of literal names
        algorithms: { serverHostKey: preferredHostKeyTypes(trust, settings.host, settings.port) as any },
        hostVerifier: (key: Buffer) => {
          verdict = verifyHostKey(trust, settings.host, settings.port, key);
          return verdict.kind === 'trusted';
        },
      });
    } catch (error) {
      reject(
        new SourceError(
          `Cannot use ZIMBRA_KEY_FILE ${settings.keyFile}: ${(error as Error).message}`,
          'config',
        ),
      );
    }
  });

  let sftp: SFTPWrapper;
  try {
    sftp = await withTimeout<SFTPWrapper>(readTimeout, 'Opening SFTP', (done) => client.sftp(done));
  } catch (error) {
    client.end();
    throw error instanceof SourceError
      ? error
      : new SourceError(`The server ${settings.host} offers no SFTP: ${(error as Error).message}`, 'io');
  }
  return {
    description: `sftp://${where}${reportPath}`,
    fingerprint: verdict?.fingerprint ?? '',
    async list() {
      try {
        const entries = await withTimeout<Array<{ filename: string }>>(
          readTimeout,
          `Listing ${reportPath}`,
          (done) => sftp.readdir(reportPath, done),
        );
        return entries.map((e) => e.filename);
      } catch (error) {
        if (isNoSuchFile(error))
          throw new SourceError(
            `The folder ${reportPath} does not exist on ${settings.host}; set ZIMBRA_REPORT_PATH to where the cron job writes MailboxUsage_*.txt`,
            'config',
          );
        throw error instanceof SourceError
          ? error
          : new SourceError(
              `Cannot list ${reportPath} on ${settings.host}: ${(error as Error).message}`,
              'io',
            );
      }
    },
    async read(name) {
      if (name.includes('/')) throw new SourceError(`Refusing report name "${name}"`, 'io');
      const file = `${reportPath}/${name}`;
      const stats = await withTimeout<{ size: number }>(readTimeout, `Reading ${file}`, (done) =>
        sftp.stat(file, done),
      );
      if (stats.size > maxReportBytes)
        throw new SourceError(`${file} is larger than ${maxReportBytes} bytes`, 'io');
      const data = await withTimeout<Buffer>(readTimeout, `Reading ${file}`, (done) =>
        sftp.readFile(file, done),
      );
      return data.toString('utf8');
    },
    async close() {
      sftp.end();
      client.end();
    },
  };
}
