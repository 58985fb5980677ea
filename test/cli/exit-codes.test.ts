import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/context';
import { openTestContext, storeJanuaryAndFebruary } from '../qbwc-data/helpers';

/** The exit codes cron jobs and scripts branch on, from the built binary (design.md: 0, 1, 2, 3, 4). */
describe('qb-bridge exit codes', () => {
  it('exits 1 when nothing could be done and 3 when only some items failed, with the summary naming them', () => {
    const t = openTestContext();
    try {
      storeJanuaryAndFebruary(t.ctx);
    } finally {
      t.ctx.close();
    }
    const env = { DATA_DIR: t.dir, LOG_LEVEL: 'silent' };
    expect(runCli(['qbwc', 'reprocess', '--all'], env).code).toBe(0);

    // A stored response damaged on disk: that month fails, the other is still recomputed.
    const db = new Database(path.join(t.dir, 'qb-bridge.db'));
    db.prepare("UPDATE qbwc_sync_history SET raw_response = x'00010203' WHERE period = '2025-02'").run();
    db.close();
    const partial = runCli(['qbwc', 'reprocess', '--all'], env);
    expect(partial.code).toBe(3);
    expect(partial.stdout).toMatch(/2025-01 {2}recomputed/);
    expect(partial.stdout).toMatch(/2025-02 {2}FAILED: /);
    expect(partial.stdout).toContain('1 month(s) recomputed, 1 failed');

    const empty = tempDir();
    const failed = runCli(['qbwc', 'reprocess', '--all'], { DATA_DIR: empty, LOG_LEVEL: 'silent' });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    fs.rmSync(t.dir, { recursive: true, force: true });
  });

  it('exits 4 with one line when the store was migrated by a newer qb-bridge', () => {
    const dataDir = tempDir();
    expect(runCli(['migrate'], { DATA_DIR: dataDir }).code).toBe(0);
    const db = new Database(path.join(dataDir, 'qb-bridge.db'));
    db.prepare(
      "INSERT INTO schema_migrations (id, name, applied_at) VALUES ('sheets:001', 'future', 'x')",
    ).run();
    db.close();
    const result = runCli(['migrate'], { DATA_DIR: dataDir });
    expect(result.code).toBe(4);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringContaining('newer qb-bridge (sheets:001'),
    ]);
  });

  it('exits 2 with one line naming the option for a malformed number', () => {
    for (const args of [
      ['serve', '--port', 'eighty'],
      ['demo', '--port', '70000'],
      ['qbwc', 'qwc', '--url', 'https://bridge.example.com', '--every', 'often'],
    ]) {
      const result = runCli(args, { DATA_DIR: tempDir() });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/--(port|every) must be/);
    }
  });
});
