import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCert {
  certFile: string;
  keyFile: string;
  pem: string;
  /** SHA-256 fingerprint as Node's TLS layer reports it (AA:BB:…). */
  fingerprint: string;
}

/** True when the `openssl` command is on PATH (Debian: the openssl package, a dependency of ca-certificates). */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A self-signed certificate for `names` (DNS names or IP addresses), valid for `days`, written as
 * `<label>.crt` / `<label>.key` in `dir`. The key is a fresh P-256 key each time.
 */
export function makeCert(dir: string, label: string, names: string[], days = 90): TestCert {
  const certFile = path.join(dir, `${label}.crt`);
  const keyFile = path.join(dir, `${label}.key`);
  const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      String(days),
      '-subj',
      `/CN=${names[0]}`,
      '-addext',
      `subjectAltName=${san}`,
    ],
    { stdio: 'ignore' },
  );
  const pem = fs.readFileSync(certFile, 'utf8');
  return { certFile, keyFile, pem, fingerprint: new crypto.X509Certificate(pem).fingerprint256 };
}
