import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { ServerType } from '@hono/node-server';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { Config } from '../config/load';
import type { Logger } from '../log/logger';

/**
 * TLS in the gateway itself, for people who do not put a reverse proxy in front: `serve --tls-cert PATH
 * --tls-key PATH` (or TLS_CERT_FILE / TLS_KEY_FILE). The files are read again on SIGHUP and swapped in with
 * setSecureContext, so a renewed certificate (certbot's deploy hook, a cron job) needs no restart and no
 * dropped connection. A reload that fails keeps the certificate already in use.
 */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** A TLS file that cannot be used; the message names the file and what to do. */
export class TlsFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsFilesError';
  }
}

/**
 * The files to serve from: the command-line options win over the environment; both must be given or
 * neither (a certificate without its key is a mistake to report, not a reason to fall back to http).
 */
export function tlsFilesFrom(
  options: { tlsCert?: string; tlsKey?: string },
  config: Pick<Config, 'TLS_CERT_FILE' | 'TLS_KEY_FILE'>,
): TlsFiles | undefined {
  const certFile = options.tlsCert ?? config.TLS_CERT_FILE;
  const keyFile = options.tlsKey ?? config.TLS_KEY_FILE;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new TlsFilesError(
      `${certFile === undefined ? '--tls-cert (TLS_CERT_FILE)' : '--tls-key (TLS_KEY_FILE)'} is missing: ` +
        'give both the certificate chain and its private key, e.g. --tls-cert /etc/qb-bridge/fullchain.pem --tls-key /etc/qb-bridge/privkey.pem',
    );
  }
  return { certFile, keyFile };
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : code;
    throw new TlsFilesError(`The TLS ${what} ${file} ${why}`);
  }
}

/**
 * Reads both files and proves they belong together (createSecureContext fails on a key that does not match
 * the certificate), so a bad renewal is refused before it replaces a working certificate.
 */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  const material = {
    cert: readPem(files.certFile, 'certificate'),
    key: readPem(files.keyFile, 'private key'),
  };
  try {
    tls.createSecureContext(material);
  } catch (error) {
    throw new TlsFilesError(
      `The TLS certificate ${files.certFile} and key ${files.keyFile} cannot be used together: ${(error as Error).message}`,
    );
  }
  return material;
}

/** The options @hono/node-server needs to serve https instead of http. */
export function httpsServeOptions(material: TlsMaterial): {
  createServer: typeof https.createServer;
  serverOptions: https.ServerOptions;
} {
  return { createServer: https.createServer, serverOptions: { ...material } };
}

/** One line for the start-up output: which certificate is served and until when. */
export function describeCertificate(files: TlsFiles, material: TlsMaterial): string {
  try {
    const cert = new crypto.X509Certificate(material.cert);
    const names = cert.subjectAltName ?? cert.subject;
    return `TLS certificate ${files.certFile} (${names}; valid until ${new Date(cert.validTo).toISOString().slice(0, 10)}); send SIGHUP to reload it`;
  } catch {
    return `TLS certificate ${files.certFile}; send SIGHUP to reload it`;
  }
}

export interface PreparedTls {
  files: TlsFiles;
  material: TlsMaterial;
  /** The start-up line naming the certificate. */
  description: string;
}

/** For `serve`: the files from options or environment, read and checked; a bad file stops with exit 4. */
export function prepareTls(
  options: { tlsCert?: string; tlsKey?: string },
  config: Pick<Config, 'TLS_CERT_FILE' | 'TLS_KEY_FILE'>,
): PreparedTls | undefined {
  try {
    const files = tlsFilesFrom(options, config);
    if (!files) return undefined;
    const material = loadTlsMaterial(files);
    return { files, material, description: describeCertificate(files, material) };
  } catch (error) {
    if (error instanceof TlsFilesError) throw new CliError(ExitCode.notConfigured, error.message);
    throw error;
  }
}

/**
 * Re-reads the files on SIGHUP and swaps them into the running server. Without TLS files there is nothing
 * to reload, but SIGHUP is still caught: `systemctl reload` must never stop a gateway behind a proxy (Node's
 * default for SIGHUP is to exit, which systemd counts as a clean stop and does not restart). Returns a
 * function that stops listening for the signal.
 */
export function reloadTlsOnSighup(server: ServerType, files: TlsFiles | undefined, log: Logger): () => void {
  if (files && !(server instanceof https.Server)) throw new TlsFilesError('the server is not serving https');
  const onHup = () => {
    if (!files || !(server instanceof https.Server)) {
      log.info('SIGHUP: no TLS certificate to reload (TLS is terminated in front of the gateway)');
      return;
    }
    try {
      const material = loadTlsMaterial(files);
      server.setSecureContext(material);
      log.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (error) {
      log.error(
        { certFile: files.certFile, error: (error as Error).message },
        'TLS certificate reload failed; still serving the previous certificate',
      );
    }
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
}
