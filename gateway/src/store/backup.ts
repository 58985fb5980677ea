import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from './database';
import { keyFileName } from './secrets';

function timestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z');
}

/**
 * A consistent copy of the live store through SQLite's online backup API: safe while `serve` keeps
 * writing, unlike copying the file (which can catch a half-applied WAL).
 */
export async function backupStore(db: Db, dataDir: string, out?: string, now = new Date()): Promise<string> {
  const defaultDir = path.join(dataDir, 'backups');
  const target = path.resolve(out ?? path.join(defaultDir, `qb-bridge-${timestamp(now)}.db`));
  if (out === undefined) {
    // Backups hold everything the store does: the folder is owner-only like DATA_DIR itself.
    fs.mkdirSync(defaultDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(defaultDir, 0o700);
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  }
  try {
    // Created empty with owner-only mode first: a backup holds everything the store does.
    fs.writeFileSync(target, '', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`${target} already exists; choose another --out path`);
    }
    throw error;
  }
  await db.backup(target);
  return target;
}

export interface RestoreResult {
  /** The store file now in place (a copy of the backup). */
  store: string;
  /** Where the store that was replaced was moved to (undefined when there was none). */
  previous?: string;
}

/**
 * Puts a backup in place of the store (`qb-bridge restore --from PATH`). Every qb-bridge process on this
 * DATA_DIR must be stopped first. The backup is checked to be a readable qb-bridge store before anything is
 * touched; the current store (with its -wal/-shm files) is moved to `backups/qb-bridge-before-restore-<time>.db`
 * rather than deleted. The caller then opens the store (migrations bring an older backup up to date) and
 * tells each owner that its data is older than the world outside (the QuickBooks ledger: `markRestored`).
 */
export function restoreStore(
  dataDir: string,
  from: string,
  storeFile: string,
  now = new Date(),
): RestoreResult {
  const source = path.resolve(from);
  if (!fs.existsSync(source))
    throw new Error(`${source} does not exist; give the path of a qb-bridge backup`);
  checkBackup(source);
  const target = path.join(dataDir, storeFile);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let previous: string | undefined;
  if (fs.existsSync(target)) {
    previous = path.join(dataDir, 'backups', `qb-bridge-before-restore-${timestamp(now)}.db`);
    fs.mkdirSync(path.dirname(previous), { recursive: true, mode: 0o700 });
    if (fs.existsSync(previous))
      throw new Error(`${previous} already exists; wait a second and run restore again`);
    // The main file and its WAL belong together: moved together they stay one consistent store.
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(target + suffix)) fs.renameSync(target + suffix, previous + suffix);
    }
  }
  const staging = `${target}.restoring`;
  fs.copyFileSync(source, staging);
  fs.chmodSync(staging, 0o600);
  fs.renameSync(staging, target);
  return { store: target, previous };
}

/** A backup must open as SQLite, pass a quick check and carry qb-bridge's `meta` table. */
function checkBackup(file: string): void {
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`it fails SQLite's integrity check (${String(check)})`);
    const meta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (!meta) throw new Error('it has no qb-bridge tables');
  } catch (error) {
    throw new Error(`${file} is not a usable qb-bridge backup: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

/** Where the key that opens a backup's secrets lives, and whether it was copied beside the backup. */
export interface BackupKey {
  /** `file`: $DATA_DIR/secret.key; `environment`: QB_BRIDGE_SECRET_KEY (never copied: it is not ours to write). */
  source: 'file' | 'environment' | 'missing';
  keyFile?: string;
  copiedTo?: string;
}

/**
 * Copies `$DATA_DIR/secret.key` beside the backup as `<backup>.key` (0600). Tokens and passwords in the
 * backup are encrypted with it: without the key the backup restores everything except those.
 */
export function copySecretKey(dataDir: string, backupFile: string, configuredKey: boolean): BackupKey {
  if (configuredKey) return { source: 'environment' };
  const keyFile = path.join(dataDir, keyFileName);
  if (!fs.existsSync(keyFile)) return { source: 'missing' };
  const copiedTo = `${backupFile}.key`;
  try {
    fs.copyFileSync(keyFile, copiedTo, fs.constants.COPYFILE_EXCL);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`${copiedTo} already exists; choose another --out path`);
    }
    throw error;
  }
  fs.chmodSync(copiedTo, 0o600);
  return { source: 'file', keyFile, copiedTo };
}

/** The sentence `backup` prints about the key, with or without --with-key. */
export function keyAdvice(dataDir: string, key: BackupKey | undefined, configuredKey: boolean): string {
  if (key?.copiedTo) {
    return `The secret key was copied to ${key.copiedTo}: keep it apart from the backup's storage if you can, and restore both together`;
  }
  if (configuredKey) {
    return 'Tokens and passwords in this backup are encrypted with QB_BRIDGE_SECRET_KEY: keep that value safe, the backup cannot be read without it';
  }
  return `Tokens and passwords in this backup are encrypted with ${path.join(dataDir, keyFileName)}, which is NOT in the backup: copy it somewhere safe too, or run backup --with-key`;
}
