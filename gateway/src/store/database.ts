import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../config/load';

export type Db = Database.Database;

export const storeFileName = 'qb-bridge.db';

/** SQLite's page cache per connection, in KiB (see openDatabase). */
export const storeCacheKib = 4096;

/**
 * Opens (creating if needed) the store in `dataDir`. WAL lets the dashboard and API read while a sync
 * writes; busy_timeout makes a second process (a cron `qb-bridge` beside `serve`) wait instead of failing.
 * synchronous=FULL because a ledger row that says "sent" or "created" must survive a power cut: losing it
 * could send a create to QuickBooks twice. Our write rate is bounded by QuickBooks' own limits, so the
 * extra fsync per commit costs nothing that matters.
 */
export function openDatabase(dataDir: string): Db {
  const file = path.join(dataDir, storeFileName);
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.accessSync(dataDir, fs.constants.W_OK);
    // The store holds audit rows, QuickBooks ids and encrypted secrets: readable by the service user only.
    // SQLite gives its -wal and -shm files the main file's mode, so creating it 0600 covers them too.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
  } catch (error) {
    throw dataDirError(error as NodeJS.ErrnoException, dataDir);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection, which a long sync fills with ledger
  // pages it will not read again: the process then grows with the number of rows written. 4 MB holds the
  // hot index pages; everything else is one read from the OS file cache away.
  db.pragma(`cache_size = -${storeCacheKib}`);
  return db;
}

/**
 * DATA_DIR cannot hold the store: one sentence naming the folder, the reason and the fix, instead of a raw
 * EROFS or an ENOENT that points at a file nobody asked for.
 */
export function dataDirError(error: NodeJS.ErrnoException, dataDir: string): Error {
  const fix = 'set DATA_DIR to a folder this user can write (for example DATA_DIR=./data)';
  const reasons: Record<string, string> = {
    EROFS: 'is on a read-only file system',
    EACCES: 'is not writable by this user',
    EPERM: 'is not writable by this user',
    ENOTDIR: 'is below a file, not a folder',
    ENOENT: 'cannot be created (a folder above it is missing or not writable)',
    ENOSPC: 'is on a full disk',
  };
  const reason = error.code ? reasons[error.code] : undefined;
  if (!reason) return error;
  return new ConfigError(`DATA_DIR ${dataDir} ${reason}; ${fix}`, 'DATA_DIR');
}
