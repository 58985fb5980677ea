import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/context';

describe('backup and the secret key', () => {
  it('says the backup does not hold secret.key and how to keep it', () => {
    const dir = tempDir();
    const result = runCli(['backup'], { DATA_DIR: dir });
    expect(result.code).toBe(0);
    const [written, note] = result.stdout.trim().split('\n');
    expect(written).toMatch(/^Backup written to .*\/backups\/qb-bridge-\d{8}T\d{6}Z\.db$/);
    expect(note).toBe(
      `Tokens and passwords in this backup are encrypted with ${path.join(dir, 'secret.key')}, which is NOT in the backup: copy it somewhere safe too, or run backup --with-key`,
    );
    expect(fs.statSync(path.join(dir, 'backups')).mode & 0o777).toBe(0o700);
  });

  it('--with-key copies secret.key beside the backup, owner-only', () => {
    const dir = tempDir();
    const out = path.join(tempDir(), 'nightly.db');
    const result = runCli(['backup', '--with-key', '--out', out, '--json'], { DATA_DIR: dir });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, string>;
    expect(summary).toMatchObject({ backup: out, key: `${out}.key` });
    expect(summary.keyNote).toContain(`The secret key was copied to ${out}.key`);
    expect(fs.readFileSync(`${out}.key`, 'utf8')).toBe(fs.readFileSync(path.join(dir, 'secret.key'), 'utf8'));
    expect(fs.statSync(`${out}.key`).mode & 0o777).toBe(0o600);
  });

  it('with QB_BRIDGE_SECRET_KEY there is no file to copy, and it says which value to keep', () => {
    const dir = tempDir();
    const result = runCli(['backup', '--with-key'], { DATA_DIR: dir, QB_BRIDGE_SECRET_KEY: 'ab'.repeat(32) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('encrypted with QB_BRIDGE_SECRET_KEY: keep that value safe');
    expect(fs.readdirSync(path.join(dir, 'backups')).filter((f) => f.endsWith('.key'))).toEqual([]);
  });
});
