import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningServer, startServer } from '../../gateway/src/server/serve';
import { loadTlsMaterial, prepareTls, tlsFilesFrom } from '../../gateway/src/server/tls';
import { cliPath, runCli } from '../helpers/cli';
import { tempDir, testContext } from '../helpers/context';
import { haveOpenssl, makeCert, type TestCert } from './certs';

// Child processes (the built CLI, servers) start slowly on a loaded machine; give them room.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

interface HttpsAnswer {
  status: number;
  body: string;
  fingerprint: string;
}

/** One request on a fresh connection (no agent), trusting only `ca`: the certificate is checked for real. */
function httpsGet(url: string, ca: string[]): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca, agent: false }, (response) => {
      const fingerprint = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      response.on('data', (chunk) => (body += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, fingerprint }));
    });
    request.on('error', reject);
  });
}

let dir: string;
let first: TestCert;
let second: TestCert;

beforeAll(() => {
  // The certificates are made by the openssl command; the test needs it rather than skipping without it.
  expect(haveOpenssl(), 'openssl must be installed to make test certificates').toBe(true);
  dir = tempDir('qbb-tls-');
  first = makeCert(dir, 'first', ['localhost', '127.0.0.1']);
  second = makeCert(dir, 'second', ['localhost', '127.0.0.1']);
});

describe('TLS files', () => {
  it('takes the command-line files over the environment and wants both or neither', () => {
    expect(tlsFilesFrom({}, {})).toBeUndefined();
    expect(tlsFilesFrom({}, { TLS_CERT_FILE: '/a.crt', TLS_KEY_FILE: '/a.key' })).toEqual({
      certFile: '/a.crt',
      keyFile: '/a.key',
    });
    expect(
      tlsFilesFrom(
        { tlsCert: '/b.crt', tlsKey: '/b.key' },
        { TLS_CERT_FILE: '/a.crt', TLS_KEY_FILE: '/a.key' },
      ),
    ).toEqual({ certFile: '/b.crt', keyFile: '/b.key' });
    expect(() => tlsFilesFrom({ tlsCert: '/b.crt' }, {})).toThrow(/--tls-key \(TLS_KEY_FILE\) is missing/);
  });

  it('refuses a key that does not belong to the certificate, and a missing file, naming the file', () => {
    expect(() => loadTlsMaterial({ certFile: first.certFile, keyFile: second.keyFile })).toThrow(
      /cannot be used together/,
    );
    expect(() => prepareTls({ tlsCert: `${dir}/nope.crt`, tlsKey: first.keyFile }, {})).toThrow(
      /nope\.crt does not exist/,
    );
  });
});

describe('serving https in-process', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.stop(1000);
    running = undefined;
  });

  it('answers /healthz over https with the configured certificate and says https in its URL', async () => {
    const tls = prepareTls({ tlsCert: first.certFile, tlsKey: first.keyFile }, {});
    running = await startServer(testContext(), 0, '127.0.0.1', {}, tls?.material);
    expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpsGet(`${running.url}/healthz`, [first.pem]);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok' });
    expect(answer.fingerprint).toBe(first.fingerprint);
    // A client that does not trust the certificate is refused: this is real verification, not a bypass.
    await expect(httpsGet(`${running.url}/healthz`, [second.pem])).rejects.toThrow();
  });
});

describe('`qb-bridge serve --tls-cert --tls-key` as a child process', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGTERM');
  });

  function startServe(certFile: string, keyFile: string, env: Record<string, string> = {}) {
    const dataDir = tempDir('qbb-tls-serve-');
    const args = [
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
    ];
    const proc = spawn(process.execPath, [cliPath, ...args], {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, ...env },
    });
    let out = '';
    let logs = '';
    proc.stderr.on('data', (d) => (logs += String(d)));
    const url = new Promise<string>((resolve, reject) => {
      proc.stdout.on('data', (d) => {
        out += String(d);
        const match = /https:\/\/127\.0\.0\.1:\d+/.exec(out);
        if (match) resolve(match[0]);
      });
      proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${logs}`)));
    });
    return { proc, url, output: () => out, logs: () => logs };
  }

  it('serves the new certificate after the files are replaced and SIGHUP is sent; a bad renewal keeps the old one', async () => {
    const live = { certFile: `${dir}/live.crt`, keyFile: `${dir}/live.key` };
    fs.copyFileSync(first.certFile, live.certFile);
    fs.copyFileSync(first.keyFile, live.keyFile);
    const serve = startServe(live.certFile, live.keyFile, { LOG_LEVEL: 'info' });
    child = serve.proc;
    const url = await serve.url;
    expect(serve.output()).toMatch(/TLS certificate .*live\.crt .*valid until \d{4}-\d{2}-\d{2}.*SIGHUP/);
    const trust = [first.pem, second.pem];
    expect((await httpsGet(`${url}/healthz`, trust)).fingerprint).toBe(first.fingerprint);

    // A half-finished renewal (new certificate, old key) must not replace a working certificate.
    fs.copyFileSync(second.certFile, live.certFile);
    child.kill('SIGHUP');
    await waitFor(() => /TLS certificate reload failed/.test(serve.logs()));
    const stillOld = await httpsGet(`${url}/healthz`, trust);
    expect(stillOld.fingerprint).toBe(first.fingerprint);

    fs.copyFileSync(second.keyFile, live.keyFile);
    child.kill('SIGHUP');
    await waitFor(async () => (await httpsGet(`${url}/healthz`, trust)).fingerprint === second.fingerprint);
    const renewed = await httpsGet(`${url}/healthz`, trust);
    expect(renewed.status).toBe(200);
    expect(renewed.fingerprint).toBe(second.fingerprint);
    expect(child.exitCode).toBeNull();

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child?.once('exit', resolve));
    expect(code).toBe(0);
  });

  it('reads TLS_CERT_FILE and TLS_KEY_FILE from the environment', async () => {
    const dataDir = tempDir('qbb-tls-env-');
    const proc = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        TLS_CERT_FILE: first.certFile,
        TLS_KEY_FILE: first.keyFile,
      },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (d) => {
          out += String(d);
          const match = /https:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (match) resolve(match[0]);
        });
        proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      expect((await httpsGet(`${url}/healthz`, [first.pem])).fingerprint).toBe(first.fingerprint);
    } finally {
      proc.kill('SIGTERM');
    }
  });

  it('without TLS files, SIGHUP (systemctl reload) leaves the gateway serving instead of ending it', async () => {
    const dataDir = tempDir('qbb-hup-');
    const proc = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (d) => {
          out += String(d);
          const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (match) resolve(match[0]);
        });
        proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      proc.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      expect(proc.exitCode).toBeNull();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      proc.kill('SIGTERM');
    }
  });

  it('stops with exit 4 and one line when only the certificate is given', () => {
    const result = runCli(['serve', '--port', '0', '--tls-cert', first.certFile], { DATA_DIR: tempDir() });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/--tls-key \(TLS_KEY_FILE\) is missing/);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
