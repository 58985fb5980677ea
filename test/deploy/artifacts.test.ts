import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliPath, repoRoot } from '../helpers/cli';
import { tempDir } from '../helpers/context';
import { freePort } from '../qbo-auth/helpers';
import { envPairs, parseDockerfile, parseUnit, readRepoFile } from './artifacts';
import { haveOpenssl, makeCert } from './certs';

// Child processes (the built CLI, servers) start slowly on a loaded machine; give them room.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const has = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** Starts `node bin/qb-bridge.js <args>` from the repository root (the image's /app) and waits for its URL. */
function startGateway(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      const match = /https?:\/\/[\d.]+:\d+/.exec(out);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${err}`)));
  });
  return { child, url };
}

let running: ChildProcess | undefined;
afterEach(() => {
  if (running?.exitCode === null) running.kill('SIGTERM');
  running = undefined;
});

describe('Dockerfile', () => {
  const instructions = parseDockerfile(readRepoFile('Dockerfile'));
  const final = Math.max(...instructions.map((i) => i.stage));
  const inFinal = (keyword: string) => instructions.filter((i) => i.stage === final && i.keyword === keyword);

  it('is multi-stage on a slim Node LTS image, and the runtime stage copies only built output from the build stage', () => {
    const froms = instructions.filter((i) => i.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const nodeVersion = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_VERSION='));
    expect(Number(nodeVersion?.args.split('=')[1]) % 2, 'Node LTS lines are even').toBe(0);
    for (const from of froms) expect(from.args).toMatch(/^node:\$\{NODE_VERSION\}-\w+-slim AS \w+$/);
    const copies = inFinal('COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy.args).toMatch(/^--from=build /);
    expect(copies.map((c) => c.args).join('\n')).not.toMatch(/\s\.\s|\.env/);
  });

  it('runs as a non-root user, keeps DATA_DIR on a volume, checks /healthz and bakes in no secret', () => {
    const user = inFinal('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const env = Object.assign({}, ...inFinal('ENV').map((i) => envPairs(i.args))) as Record<string, string>;
    expect(env.DATA_DIR).toBe('/data');
    expect(JSON.parse(inFinal('VOLUME')[0]?.args ?? '[]')).toContain(env.DATA_DIR);
    const health = inFinal('HEALTHCHECK')[0]?.args ?? '';
    expect(health).toMatch(/CMD \["node", "deploy\/healthcheck\.mjs"\]/);
    expect(readRepoFile('deploy/healthcheck.mjs')).toContain("path: '/healthz'");
    const declared = instructions
      .filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')
      .flatMap((i) => Object.keys(envPairs(i.args)));
    for (const name of declared) expect(name).not.toMatch(/SECRET|PASSWORD|TOKEN|KEY|CLIENT_ID|DATABASE_URL/);
    const ignored = readRepoFile('.dockerignore').split('\n');
    for (const entry of ['.env', 'data', 'node_modules', '*.key', '*.pem', '*.db'])
      expect(ignored).toContain(entry);
  });

  it(
    'is linted by hadolint and built by docker where they are installed (neither is required)',
    () => {
      // Debian has no hadolint package and this machine has no container daemon; the checks above stand in.
      if (has('hadolint', ['--version'])) {
        const lint = spawnSync('hadolint', [path.join(repoRoot, 'Dockerfile')], { encoding: 'utf8' });
        expect(lint.stdout + lint.stderr).toBe('');
      }
      if (has('docker', ['info'])) {
        const build = spawnSync('docker', ['build', '-q', '-t', 'qb-bridge:test', repoRoot], {
          encoding: 'utf8',
          timeout: 15 * 60_000,
        });
        expect(build.status, build.stderr).toBe(0);
      }
      expect(instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe('["node", "bin/qb-bridge.js"]');
      // A real image build (npm ci and all) takes minutes.
    },
    20 * 60_000,
  );

  it("the image's start command and HEALTHCHECK work outside a container with the image's environment", async () => {
    const entrypoint = JSON.parse(inFinal('ENTRYPOINT')[0]?.args ?? '[]') as string[];
    const cmd = JSON.parse(inFinal('CMD').at(-1)?.args ?? '[]') as string[];
    expect(entrypoint).toEqual(['node', 'bin/qb-bridge.js']);
    const env = Object.assign({}, ...inFinal('ENV').map((i) => envPairs(i.args))) as Record<string, string>;
    // /data and 8787 stand for the container's own; here a temp dir and a free port play them.
    const dataDir = tempDir('qbb-image-');
    fs.chmodSync(dataDir, 0o700);
    const port = String(await freePort());
    const runEnv = { ...env, DATA_DIR: dataDir, PORT: port };
    const gateway = startGateway(cmd, runEnv);
    running = gateway.child;
    const url = await gateway.url;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const health = spawnSync(process.execPath, ['deploy/healthcheck.mjs'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...runEnv },
      encoding: 'utf8',
    });
    expect(health.status, health.stderr).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'qb-bridge.db'))).toBe(true);
    gateway.child.kill('SIGTERM');
    expect(await new Promise((resolve) => gateway.child.once('exit', resolve))).toBe(0);
    // With the gateway gone the HEALTHCHECK reports unhealthy.
    const down = spawnSync(process.execPath, ['deploy/healthcheck.mjs'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...runEnv },
      encoding: 'utf8',
    });
    expect(down.status).toBe(1);
  });

  it('the HEALTHCHECK speaks https when the gateway terminates TLS (TLS_CERT_FILE)', async () => {
    expect(haveOpenssl(), 'openssl makes the test certificate').toBe(true);
    const dataDir = tempDir('qbb-image-tls-');
    const cert = makeCert(dataDir, 'public', ['qb-bridge.example.com']);
    const port = String(await freePort());
    const runEnv = {
      PORT: port,
      DATA_DIR: dataDir,
      TLS_CERT_FILE: cert.certFile,
      TLS_KEY_FILE: cert.keyFile,
    };
    const gateway = startGateway(['serve', '--host', '0.0.0.0'], runEnv);
    running = gateway.child;
    expect(await gateway.url).toBe(`https://127.0.0.1:${port}`);
    const health = spawnSync(process.execPath, ['deploy/healthcheck.mjs'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...runEnv },
      encoding: 'utf8',
    });
    expect(health.status, health.stderr).toBe(0);
  });
});

describe('deploy/qb-bridge.service', () => {
  const file = path.join(repoRoot, 'deploy/qb-bridge.service');
  const unit = parseUnit(fs.readFileSync(file, 'utf8'));
  const service = unit.Service ?? {};
  const one = (key: string) => service[key]?.at(-1);

  it('runs as a dedicated user with a private state directory, hardened, restarted on failure', () => {
    expect(one('User')).toBe('qb-bridge');
    expect(one('StateDirectory')).toBe('qb-bridge');
    expect(one('StateDirectoryMode')).toBe('0700');
    expect(service.Environment).toContain('DATA_DIR=/var/lib/qb-bridge');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('Restart')).toBe('on-failure');
    expect(one('EnvironmentFile')).toBe('/etc/qb-bridge/qb-bridge.env');
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('MemoryDenyWriteExecute')).toBeUndefined();
    expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);
  });

  it('passes `systemd-analyze verify` where systemd is installed', () => {
    if (!has('systemd-analyze', ['--version'])) {
      // Without systemd the parse above is what can be checked; make sure it saw the whole file.
      expect(Object.keys(unit)).toEqual(['Unit', 'Service', 'Install']);
      return;
    }
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    // verify exits 0 on unknown keys and bad values but prints them: any line naming our unit is a failure.
    const ours = `${verify.stdout}\n${verify.stderr}`.split('\n').filter((l) => l.includes('qb-bridge'));
    expect(ours).toEqual([]);
    expect(verify.status).toBe(0);
  });

  it("ExecStart's command serves /healthz on loopback when run the same way", async () => {
    const exec = (one('ExecStart') ?? '').split(/\s+/);
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/node', '/opt/qb-bridge/bin/qb-bridge.js']);
    const args = exec.slice(2);
    expect(args).toEqual(['serve', '--host', '127.0.0.1']);
    const dataDir = tempDir('qbb-unit-');
    const gateway = startGateway(args, { DATA_DIR: dataDir, PORT: String(await freePort()) });
    running = gateway.child;
    const response = await fetch(`${await gateway.url}/healthz`);
    expect(response.status).toBe(200);
  });
});

describe('compose.yaml and deploy/Caddyfile', () => {
  it('compose runs the gateway with its data on a volume, published on loopback only, secrets from .env', () => {
    const compose = readRepoFile('compose.yaml');
    expect(compose).toMatch(/^ {2}qb-bridge:\n {4}build: \./m);
    expect(compose).toMatch(/^ {2}mariadb:\n {4}image: mariadb:/m);
    expect(compose).toMatch(/^ {6}- qb-bridge-data:\/data$/m);
    expect(compose).toMatch(/^ {4}env_file: \.env$/m);
    const published = [...compose.matchAll(/^ {6}- "([^"]+)"$/gm)].map((m) => m[1]);
    expect(published).toContain('127.0.0.1:8787:8787');
    for (const line of compose
      .split('\n')
      .filter((l) => /PASSWORD|SECRET/.test(l) && !l.trim().startsWith('#'))) {
      const value = line.split(/:\s/).slice(1).join(': ');
      if (value.trim() === '' || value.trim() === '"1"') continue;
      expect(value, line).toMatch(/\$\{[A-Z_]+(:\?[^}]*)?\}/);
    }
  });

  it('the Caddyfile proxies the public name to the gateway on loopback, and Caddy accepts it where installed', () => {
    const caddyfile = readRepoFile('deploy/Caddyfile');
    expect(caddyfile).toMatch(/^\{\$QB_BRIDGE_DOMAIN:qb-bridge\.example\.com\} \{$/m);
    expect(caddyfile).toMatch(/^\treverse_proxy \{\$QB_BRIDGE_UPSTREAM:127\.0\.0\.1:8787\}$/m);
    if (has('caddy', ['version'])) {
      const adapted = spawnSync('caddy', ['adapt', '--config', path.join(repoRoot, 'deploy/Caddyfile')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: tempDir(), QB_BRIDGE_DOMAIN: 'qb.example.org' },
      });
      expect(adapted.status, adapted.stderr).toBe(0);
      const json = JSON.stringify(JSON.parse(adapted.stdout));
      expect(json).toContain('"host":["qb.example.org"]');
      expect(json).toContain('"dial":"127.0.0.1:8787"');
    }
  });
});
