import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const storeFileName = 'qb-bridge.db';

/**
 * Opens (creating if needed) the store in `dataDir`. WAL lets the dashboard and API read while a sync
 * writes; busy_timeout makes a second process (a cron `qb-bridge` beside `serve`) wait instead of failing.
 * synchronous=FULL because a ledger row that says "sent" or "created" must survive a power cut: losing it
 * could send a create to QuickBooks twice. Our write rate is bounded by QuickBooks' own limits, so the
 * extra fsync per commit costs nothing that matters.
 */
export function openDatabase(dataDir: string): Db {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, storeFileName);
  // The store holds audit rows, QuickBooks ids and encrypted secrets: readable by the service user only.
  // SQLite gives its -wal and -shm files the main file's mode, so creating it 0600 covers them too.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
