import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/context';

const commands = [
  'serve',
  'demo',
  'migrate',
  'backup',
  'api-token',
  'authorize-qbo',
  'test-connections',
  'sync-customers',
  'qbo-emulator',
  'qbwc',
  'qbwc set-password',
  'qbwc qwc',
  'qbwc reprocess',
  'qbwc play-session',
  'qbwc audit',
];

describe('qb-bridge CLI', () => {
  it('prints help listing every command and exits 0', () => {
    const result = runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of commands) expect(result.stdout).toContain(command.split(' ')[0]);
  });

  it.each(commands)('has --help for %s', (command) => {
    const result = runCli([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: qb-bridge ${command}`);
  });

  it('exits 2 when a command group is run without a subcommand', () => {
    for (const group of ['qbwc', 'api-token']) {
      const result = runCli([group]);
      expect(result.code, group).toBe(2);
      expect(result.stderr).toContain(`Usage: qb-bridge ${group}`);
    }
  });

  it('exits 2 on an unknown command or a missing required option', () => {
    const unknown = runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = runCli(['api-token', 'create'], { DATA_DIR: tempDir() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--name');
  });

  it('exits 4 with one line naming the variable when the configuration is wrong', () => {
    const result = runCli(['migrate'], { DATA_DIR: tempDir(), PORT: 'eighty' });
    expect(result.code).toBe(4);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PORT is "eighty" but must be a whole number; for example PORT=8787');
  });

  it('exits 4 when the secret key does not match the store', () => {
    const dir = tempDir();
    expect(runCli(['migrate'], { DATA_DIR: dir, QB_BRIDGE_SECRET_KEY: '1'.repeat(64) }).code).toBe(0);
    const result = runCli(['migrate'], { DATA_DIR: dir, QB_BRIDGE_SECRET_KEY: '2'.repeat(64) });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('not the key this store was created with');
  });

  it('migrates and reports the schema version as JSON', () => {
    const dir = tempDir();
    const result = runCli(['migrate', '--json'], { DATA_DIR: dir });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.dataDir).toBe(dir);
    expect(summary.schemaVersion).toBeGreaterThan(0);
  });

  it('creates an API token on stdout only and stores just its hash', () => {
    const dir = tempDir();
    const result = runCli(['api-token', 'create', '--name', 'cron'], { DATA_DIR: dir });
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(token).toMatch(/^qbb_[A-Za-z0-9_-]{40,}$/);
    expect(result.stderr).not.toContain(token);
    const bytes = fs.readFileSync(path.join(dir, 'qb-bridge.db'));
    expect(bytes.includes(Buffer.from(token))).toBe(false);
    expect(runCli(['api-token', 'create', '--name', 'cron'], { DATA_DIR: dir }).code).toBe(2);
    const list = JSON.parse(runCli(['api-token', 'list', '--json'], { DATA_DIR: dir }).stdout);
    expect(list).toEqual([expect.objectContaining({ name: 'cron', revokedAt: null })]);
  });

  it('writes a backup and says where', () => {
    const dir = tempDir();
    runCli(['api-token', 'create', '--name', 'kept'], { DATA_DIR: dir });
    const out = path.join(tempDir(), 'copy.db');
    const result = runCli(['backup', '--out', out, '--json'], { DATA_DIR: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      backup: out,
      keyNote: expect.stringContaining('which is NOT in the backup'),
    });
    const copy = new Database(out, { readonly: true });
    expect(copy.prepare('SELECT name FROM api_tokens').pluck().all()).toEqual(['kept']);
    copy.close();
  });

  it('serves until SIGTERM, then shuts down cleanly with exit 0', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, LOG_LEVEL: 'warn' },
      cwd: dir,
    });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stdout}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
