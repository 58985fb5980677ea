import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { Config } from '../config/load';
import { type CheckResult, dayMs, fail, ok, skip, warn } from './check';

/**
 * The checks about the machine and its address: PUBLIC_URL, the certificate callers see, the clock, and
 * DATA_DIR. Each judgement is a pure function of what was observed; the small adapters below observe.
 */

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function checkPublicUrl(config: Pick<Config, 'PUBLIC_URL'>): CheckResult {
  const id = 'public-url';
  if (config.PUBLIC_URL === undefined) {
    return fail(
      id,
      'PUBLIC_URL is not set: the Web Connector (.qwc, WSDL) and the Sheets add-on need the https address callers reach',
      'set PUBLIC_URL=https://qb-bridge.example.com (the DNS name that points at this server)',
    );
  }
  const url = new URL(config.PUBLIC_URL);
  if (url.protocol !== 'https:') {
    return warn(
      id,
      `PUBLIC_URL is ${url.origin}: fine on this machine, but the Web Connector on another PC and Google's servers can only call an https address`,
      'serve https (a reverse proxy such as Caddy, or serve --tls-cert/--tls-key) and set PUBLIC_URL=https://<your DNS name>',
    );
  }
  if (net.isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
    return fail(
      id,
      `PUBLIC_URL uses the IP address ${url.hostname}: the Web Connector refuses IP addresses (QBWC1001) and certificates are issued for names`,
      'give the server a DNS name and set PUBLIC_URL=https://<that name>',
    );
  }
  return ok(id, `PUBLIC_URL is ${url.origin}`);
}

/** The certificate a caller of PUBLIC_URL is shown, and whether the default trust store accepted it. */
export interface SeenCertificate {
  cert: crypto.X509Certificate;
  /** undefined when read from a file (no handshake, so no trust decision). */
  trusted?: boolean;
  trustError?: string;
  source: string;
}

export function judgeCertificate(host: string, seen: SeenCertificate, nowMs: number): CheckResult {
  const id = 'certificate';
  const { cert } = seen;
  const validTo = Date.parse(cert.validTo);
  const validFrom = Date.parse(cert.validFrom);
  const names = cert.subjectAltName ?? cert.subject;
  const renew =
    'renew it (Caddy renews by itself; certbot: `certbot renew`), then with serve --tls-cert send SIGHUP (`systemctl reload qb-bridge`)';
  if (validFrom > nowMs) {
    return fail(
      id,
      `the certificate from ${seen.source} is not valid before ${isoDate(validFrom)}`,
      'check the server clock, or install a certificate that is valid now',
    );
  }
  if (validTo <= nowMs) {
    return fail(id, `the certificate from ${seen.source} expired on ${isoDate(validTo)}`, renew);
  }
  const bare = host.replace(/^\[|\]$/g, '');
  const matches = net.isIP(bare) ? cert.checkIP(bare) !== undefined : cert.checkHost(bare) !== undefined;
  if (!matches) {
    return fail(
      id,
      `the certificate from ${seen.source} is for ${names}, not ${host}: callers will refuse it`,
      `get a certificate for ${host} (Caddy does this automatically; certbot: \`certbot certonly -d ${host}\`)`,
    );
  }
  if (seen.trusted === false) {
    return fail(
      id,
      `the certificate from ${seen.source} is not trusted (${seen.trustError ?? 'unknown issuer'}): the Web Connector (QBWC1048) and Google's servers refuse it`,
      'use a certificate from a public CA such as Let’s Encrypt and serve the full chain (fullchain.pem), not a self-signed one',
    );
  }
  const days = Math.floor((validTo - nowMs) / dayMs);
  if (validTo - nowMs < 30 * dayMs) {
    return warn(
      id,
      `the certificate for ${host} expires on ${isoDate(validTo)} (in ${days} days)`,
      `${renew}; automatic renewal normally starts 30 days ahead, so check it is running`,
    );
  }
  return ok(
    id,
    `the certificate from ${seen.source} is valid for ${host} until ${isoDate(validTo)} (${days} days)${seen.trusted ? ', trusted' : ''}`,
  );
}

/** Opens a TLS connection to the URL's host and reads the certificate it presents. */
export function fetchCertificate(
  url: URL,
  options: { ca?: string[]; timeoutMs: number },
): Promise<SeenCertificate> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      // Extra CAs are added to the public ones, never replace them: the question is "would a caller trust it".
      ca: options.ca ? [...tls.rootCertificates, ...options.ca] : undefined,
      // We want to see the certificate even when it is bad, to say what is wrong with it.
      rejectUnauthorized: false,
      timeout: options.timeoutMs,
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      const authError = socket.authorizationError;
      socket.end();
      if (!cert) return reject(new Error('the server presented no certificate'));
      resolve({
        cert,
        trusted: socket.authorized,
        trustError: authError ? String(authError) : undefined,
        source: `${host}:${port}`,
      });
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS answer within ${options.timeoutMs} ms`)));
    socket.once('error', reject);
  });
}

/** Reads the first certificate of a PEM chain file (TLS_CERT_FILE). */
export function readCertificateFile(file: string): SeenCertificate {
  return { cert: new crypto.X509Certificate(fs.readFileSync(file)), source: file };
}

export async function checkCertificate(
  config: Pick<Config, 'PUBLIC_URL' | 'TLS_CERT_FILE'>,
  options: { ca?: string[]; timeoutMs: number; nowMs: number },
): Promise<CheckResult> {
  const id = 'certificate';
  if (!config.PUBLIC_URL?.startsWith('https:')) {
    return skip(id, 'no https PUBLIC_URL to check a certificate for');
  }
  const url = new URL(config.PUBLIC_URL);
  let seen: SeenCertificate;
  try {
    seen = config.TLS_CERT_FILE
      ? readCertificateFile(config.TLS_CERT_FILE)
      : await fetchCertificate(url, options);
  } catch (error) {
    const where = config.TLS_CERT_FILE ?? `${url.host}`;
    return fail(
      id,
      `could not read the certificate from ${where}: ${(error as Error).message}`,
      config.TLS_CERT_FILE
        ? 'check TLS_CERT_FILE names a readable PEM file'
        : 'start the gateway (or its reverse proxy) and check the DNS name and port 443 reach this server',
    );
  }
  return judgeCertificate(url.hostname, seen, options.nowMs);
}

/**
 * How far our clock is from a server's, from its Date header (whole seconds) and the request's round trip:
 * the server stamped the header somewhere between our send and receive, and up to a second before its
 * actual time.
 */
export function judgeClock(
  serverDate: string | null,
  sentAtMs: number,
  receivedAtMs: number,
  source: string,
): CheckResult {
  const id = 'clock';
  const fix = 'turn on time synchronisation: `timedatectl set-ntp true` (systemd-timesyncd or chrony)';
  const remoteMs = serverDate ? Date.parse(serverDate) : Number.NaN;
  if (Number.isNaN(remoteMs)) {
    return warn(id, `${source} sent no usable Date header, so the clock could not be compared`, fix);
  }
  const localMs = (sentAtMs + receivedAtMs) / 2;
  const skewMs = localMs - (remoteMs + 500);
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const direction = skewMs > 0 ? 'ahead of' : 'behind';
  if (Math.abs(skewMs) <= 10_000) return ok(id, `the clock agrees with ${source} (within ${seconds} s)`);
  // Google ID tokens are accepted with 60 s of skew; OAuth and the Web Connector's sessions also expire.
  const message = `the clock is ${seconds} s ${direction} ${source}`;
  return Math.abs(skewMs) <= 60_000
    ? warn(id, `${message}; ID tokens and OAuth start failing at about 60 s`, fix)
    : fail(id, `${message}: OAuth, Google ID tokens and Web Connector sessions fail at this skew`, fix);
}

export async function checkClock(
  referenceUrl: string | undefined,
  options: { timeoutMs: number; now: () => number },
): Promise<CheckResult> {
  if (!referenceUrl) {
    return skip(
      'clock',
      'no QuickBooks host configured to compare the clock with',
      'check `timedatectl` says "System clock synchronized: yes"',
    );
  }
  const source = new URL(referenceUrl).host;
  try {
    const sentAtMs = options.now();
    const response = await fetch(referenceUrl, {
      method: 'HEAD',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const receivedAtMs = options.now();
    await response.body?.cancel();
    return judgeClock(response.headers.get('date'), sentAtMs, receivedAtMs, source);
  } catch (error) {
    return warn(
      'clock',
      `could not reach ${source} to compare the clock: ${(error as Error).message}`,
      'check outbound https from this server; then check `timedatectl` says "System clock synchronized: yes"',
    );
  }
}

export function checkDataDir(dataDir: string, storeFile: string): CheckResult {
  const id = 'data-dir';
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dataDir);
  } catch {
    return warn(
      id,
      `DATA_DIR ${dataDir} does not exist yet (it is created at the first start)`,
      `create it for the service user only: \`install -d -m 700 -o qb-bridge ${dataDir}\` (systemd's StateDirectory does this)`,
    );
  }
  if (!stat.isDirectory()) {
    return fail(id, `DATA_DIR ${dataDir} is not a directory`, 'point DATA_DIR at a directory');
  }
  try {
    fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    return fail(
      id,
      `DATA_DIR ${dataDir} is not writable by this user (uid ${process.getuid?.() ?? '?'})`,
      `run qb-bridge as the user that owns it, or \`chown -R qb-bridge: ${dataDir}\``,
    );
  }
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return warn(
      id,
      `DATA_DIR ${dataDir} is open to other users (mode ${mode.toString(8)}); it holds the store and the secret key`,
      `chmod 700 ${dataDir}`,
    );
  }
  if (fs.existsSync(storeFile)) {
    const storeMode = fs.statSync(storeFile).mode & 0o777;
    if ((storeMode & 0o077) !== 0) {
      return warn(
        id,
        `${path.basename(storeFile)} is readable by other users (mode ${storeMode.toString(8)})`,
        `chmod 600 ${storeFile}*`,
      );
    }
  }
  return ok(id, `DATA_DIR ${dataDir} is writable and private (mode ${mode.toString(8)})`);
}

export interface SpaceLimits {
  warnBelowBytes: number;
  failBelowBytes: number;
}

export const defaultSpaceLimits: SpaceLimits = { warnBelowBytes: 1024 ** 3, failBelowBytes: 100 * 1024 ** 2 };

const mib = (bytes: number) => `${Math.floor(bytes / 1024 ** 2)} MiB`;

export function judgeDiskSpace(dir: string, freeBytes: number, limits: SpaceLimits): CheckResult {
  const id = 'disk-space';
  const fix = `free space on the file system of ${dir} (old backups under backups/, logs/), or move DATA_DIR`;
  if (freeBytes < limits.failBelowBytes) {
    return fail(id, `only ${mib(freeBytes)} free for ${dir}: SQLite writes and backups will fail`, fix);
  }
  if (freeBytes < limits.warnBelowBytes) return warn(id, `only ${mib(freeBytes)} free for ${dir}`, fix);
  return ok(id, `${mib(freeBytes)} free for ${dir}`);
}

export function checkDiskSpace(dataDir: string, limits: SpaceLimits): CheckResult {
  // Before the first start DATA_DIR may not exist: measure the file system it will be created on.
  let dir = dataDir;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const stats = fs.statfsSync(dir);
  return judgeDiskSpace(dataDir, stats.bavail * stats.bsize, limits);
}
