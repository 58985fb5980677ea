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
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, storeFileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
