import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from '../helpers/context';

/**
 * A real OpenSSH server on 127.0.0.1 for the SFTP tests: its own host key, user key, authorized_keys and
 * config in a temp folder, on a free port, started with `sshd -D` and stopped by `stop()`.
 */
export interface TestSshd {
  dir: string;
  port: number;
  user: string;
  hostKeyPub: string;
  userKey: string;
  /** A second user key the server does not accept. */
  otherUserKey: string;
  reportDir: string;
  stop(): Promise<void>;
}

export const sshdPath = '/usr/sbin/sshd';

function keygen(file: string, type = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file], { stdio: 'ignore' });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(String(data).startsWith('SSH-'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on ${port}: ${log()}`);
}

export async function startSshd(options: { hostKeyType?: string } = {}): Promise<TestSshd> {
  const dir = tempDir('qbb-sshd-');
  const hostKey = path.join(dir, 'host_key');
  const userKey = path.join(dir, 'user_key');
  const otherUserKey = path.join(dir, 'other_key');
  keygen(hostKey, options.hostKeyType);
  keygen(userKey);
  keygen(otherUserKey);
  fs.copyFileSync(`${userKey}.pub`, path.join(dir, 'authorized_keys'));
  const reportDir = path.join(dir, 'reports');
  fs.mkdirSync(reportDir);
  const user = os.userInfo().username;
  const port = await freePort();
  // Privilege separation needs this folder when sshd runs as root.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `AllowUsers ${user}`,
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child = spawn(sshdPath, ['-D', '-e', '-f', config, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  await waitForBanner(port, child, () => stderr);
  return {
    dir,
    port,
    user,
    hostKeyPub: fs.readFileSync(`${hostKey}.pub`, 'utf8').trim(),
    userKey,
    otherUserKey,
    reportDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A hashed known_hosts host field, as `ssh-keyscan -H` writes it. */
export function hashedKnownHostsLine(hostField: string, keyLine: string): string {
  const out = execFileSync(
    'bash',
    [
      '-c',
      'f=$(mktemp); cat > "$f"; ssh-keygen -H -f "$f" >/dev/null 2>&1; grep -v "^#" "$f"; rm -f "$f" "$f.old"',
    ],
    {
      input: `${hostField} ${keyLine.split(' ').slice(0, 2).join(' ')}\n`,
    },
  );
  return String(out).trim();
}
