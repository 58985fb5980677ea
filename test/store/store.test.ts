import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../gateway/src/log/logger';
import { allMigrations } from '../../gateway/src/store/all-migrations';
import { AuditLog } from '../../gateway/src/store/audit';
import { backupStore } from '../../gateway/src/store/backup';
import { openDatabase } from '../../gateway/src/store/database';
import { applyMigrations, type Migration, schemaVersion } from '../../gateway/src/store/migrations';
import { SecretBox, SecretKeyError } from '../../gateway/src/store/secrets';
import { capturingLogger, tempDir, testContext } from '../helpers/context';

const silent = createLogger({ level: 'silent' });

describe('migrations', () => {
  it('builds the whole schema from an empty store and records every step', () => {
    const db = openDatabase(tempDir());
    const applied = applyMigrations(db, allMigrations);
    expect(applied).toEqual(allMigrations.map((m) => `${m.owner}:${String(m.version).padStart(3, '0')}`));
    expect(schemaVersion(db)).toBe(allMigrations.length);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['schema_migrations', 'meta', 'audit_log', 'jobs', 'api_tokens']),
    );
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('is idempotent: a second run applies nothing and keeps data', () => {
    const db = openDatabase(tempDir());
    applyMigrations(db, allMigrations);
    new AuditLog(db).record({ actor: 'test', action: 'x', outcome: 'success' });
    expect(applyMigrations(db, allMigrations)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get()).toBe(1);
  });

  it('rolls back a failing migration completely and applies the rest next time', () => {
    const db = openDatabase(tempDir());
    const broken: Migration[] = [
      { owner: 't', version: 1, name: 'ok', up: 'CREATE TABLE a (x INTEGER)' },
      {
        owner: 't',
        version: 2,
        name: 'broken',
        up: 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);',
      },
    ];
    expect(() => applyMigrations(db, broken)).toThrow(/no such table: nope/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    const fixed: Migration[] = [broken[0]!, { ...broken[1]!, up: 'CREATE TABLE b (x INTEGER)' }];
    expect(applyMigrations(db, fixed)).toEqual(['t:002']);
  });

  it('refuses a store migrated by a newer qb-bridge instead of running half-compatible', () => {
    const db = openDatabase(tempDir());
    applyMigrations(db, allMigrations);
    db.prepare(
      "INSERT INTO schema_migrations (id, name, applied_at) VALUES ('sheets:001', 'future', 'x')",
    ).run();
    expect(() => applyMigrations(db, allMigrations)).toThrow(
      /migrated by a newer qb-bridge \(sheets:001 unknown to this version\)/,
    );
  });

  it('refuses a migration id registered twice', () => {
    const m: Migration = { owner: 't', version: 1, name: 'x', up: 'SELECT 1' };
    expect(() => applyMigrations(openDatabase(tempDir()), [m, m])).toThrow(/registered twice/);
  });
});

describe('secrets at rest', () => {
  it('round-trips and never stores plain text', () => {
    const ctx = testContext();
    const sealed = ctx.secrets.encrypt('refresh-token-Ab12');
    expect(sealed).not.toContain('refresh-token');
    expect(sealed).not.toBe(ctx.secrets.encrypt('refresh-token-Ab12'));
    expect(ctx.secrets.decrypt(sealed)).toBe('refresh-token-Ab12');
    ctx.close();
  });

  it('generates secret.key once with owner-only permissions and reuses it', () => {
    const dir = tempDir();
    const first = testContext({ DATA_DIR: dir });
    const sealed = first.secrets.encrypt('value');
    first.close();
    const keyFile = path.join(dir, 'secret.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = testContext({ DATA_DIR: dir });
    expect(second.secrets.decrypt(sealed)).toBe('value');
    second.close();
  });

  it('keeps the store and its key readable by the service user only, and warns about a loosened key file', () => {
    const dir = tempDir();
    testContext({ DATA_DIR: dir }).close();
    expect(fs.statSync(path.join(dir, 'qb-bridge.db')).mode & 0o777).toBe(0o600);
    fs.chmodSync(path.join(dir, 'secret.key'), 0o644);
    const { log, text } = capturingLogger('warn');
    testContext({ DATA_DIR: dir }, log).close();
    expect(text()).toContain(`secret.key is readable by other users (mode 644); run: chmod 600`);
  });

  it('stops at start-up with a clear error when the key is not the one the store was created with', () => {
    const dir = tempDir();
    testContext({ DATA_DIR: dir, QB_BRIDGE_SECRET_KEY: 'a'.repeat(64) }).close();
    const config = loadConfig({ DATA_DIR: dir, QB_BRIDGE_SECRET_KEY: 'b'.repeat(64) }, dir);
    expect(() => openContext(config, { log: silent })).toThrow(SecretKeyError);
    expect(() => openContext(config, { log: silent })).toThrow(/not the key this store was created with/);
  });

  it('refuses tampered or foreign ciphertext instead of returning garbage', () => {
    const box = new SecretBox(Buffer.alloc(32, 1));
    const sealed = box.encrypt('secret');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[3]!, 'base64');
    body[0] = body[0]! ^ 0xff;
    const tampered = [parts[0], parts[1], parts[2], body.toString('base64')].join(':');
    expect(() => box.decrypt(tampered)).toThrow(/cannot be decrypted with the current key/);
    expect(() => new SecretBox(Buffer.alloc(32, 2)).decrypt(sealed)).toThrow(SecretKeyError);
    expect(() => box.decrypt('plain text')).toThrow(/not in a format qb-bridge wrote/);
  });
});

describe('backup', () => {
  it('takes an online backup that opens and holds the data, while the store stays in use', async () => {
    const ctx = testContext();
    ctx.audit.record({
      actor: 'alice',
      action: 'demo.write',
      target: 'row 1',
      outcome: 'success',
      details: { n: 1 },
    });
    const target = await backupStore(ctx.db, ctx.config.dataDir);
    // The live store keeps working after the backup.
    ctx.audit.record({ actor: 'alice', action: 'demo.write', target: 'row 2', outcome: 'success' });
    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = copy.prepare('SELECT actor, target FROM audit_log ORDER BY id').all();
    expect(rows).toEqual([{ actor: 'alice', target: 'row 1' }]);
    copy.close();
    ctx.close();
  });

  it('refuses to overwrite an existing file', async () => {
    const ctx = testContext();
    const out = path.join(tempDir(), 'b.db');
    await backupStore(ctx.db, ctx.config.dataDir, out);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    await expect(backupStore(ctx.db, ctx.config.dataDir, out)).rejects.toThrow(/already exists/);
    ctx.close();
  });
});

describe('audit log', () => {
  it('records who did what with details', () => {
    const ctx = testContext();
    ctx.audit.record({
      actor: 'cli',
      action: 'api_token.create',
      target: 'cron',
      outcome: 'success',
      details: { a: 1 },
    });
    ctx.audit.record({ actor: 'anonymous', action: 'api.auth', outcome: 'denied' });
    const [latest, first] = ctx.audit.recent();
    expect(latest).toMatchObject({ actor: 'anonymous', action: 'api.auth', outcome: 'denied', target: null });
    expect(first).toMatchObject({ actor: 'cli', target: 'cron', details: { a: 1 } });
    expect(Date.parse(first!.at)).not.toBeNaN();
    ctx.close();
  });
});
