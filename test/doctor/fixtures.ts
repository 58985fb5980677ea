import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Server, utils } from 'ssh2';
import { type Config, loadConfig } from '../../gateway/src/config/load';
import { tempDir } from '../helpers/context';

/** A configuration as `doctor` would load it, on a fresh temp DATA_DIR (mode 0700) unless one is given. */
export function doctorConfig(env: Record<string, string> = {}): Config {
  const dir = env.DATA_DIR ?? tempDir('qbb-doctor-');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }, dir);
}

/** An https server on 127.0.0.1 presenting the given certificate. */
export async function tlsServer(cert: { certFile: string; keyFile: string }) {
  const server = https.createServer(
    { cert: fs.readFileSync(cert.certFile), key: fs.readFileSync(cert.keyFile) },
    (_req, res) => res.end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SshFixture {
  port: number;
  /** known_hosts line for the server's key, as ssh-keyscan would print it for 127.0.0.1:<port>. */
  knownHostsLine: string;
  hostKeyBase64: string;
  clientKeyFile: string;
  otherClientKeyFile: string;
  close(): Promise<void>;
}

/**
 * An SSH server (ssh2) on loopback with its own ed25519 host key, accepting one client public key:
 * enough to test the doctor's handshake, host key and login checks.
 */
export async function sshServer(dir: string): Promise<SshFixture> {
  const host = utils.generateKeyPairSync('ed25519');
  const client = utils.generateKeyPairSync('ed25519');
  const other = utils.generateKeyPairSync('ed25519');
  const clientKeyFile = path.join(dir, 'id_ed25519');
  const otherClientKeyFile = path.join(dir, 'other_ed25519');
  fs.writeFileSync(clientKeyFile, client.private, { mode: 0o600 });
  fs.writeFileSync(otherClientKeyFile, other.private, { mode: 0o600 });
  const allowed = utils.parseKey(client.public);
  if (allowed instanceof Error) throw allowed;
  const server = new Server({ hostKeys: [host.private] }, (conn) => {
    conn.on('authentication', (ctx) => {
      if (
        ctx.method === 'publickey' &&
        ctx.key.algo === allowed.type &&
        Buffer.compare(ctx.key.data, allowed.getPublicSSH()) === 0
      ) {
        return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    conn.on('ready', () => conn.end());
    conn.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const hostKeyBase64 = host.public.split(/\s+/)[1] ?? '';
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ssh-ed25519 ${hostKeyBase64}`,
    hostKeyBase64,
    clientKeyFile,
    otherClientKeyFile,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
