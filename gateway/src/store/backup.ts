import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './database';

function timestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z');
}

/**
 * A consistent copy of the live store through SQLite's online backup API: safe while `serve` keeps
 * writing, unlike copying the file (which can catch a half-applied WAL).
 */
export async function backupStore(db: Db, dataDir: string, out?: string, now = new Date()): Promise<string> {
  const target = path.resolve(out ?? path.join(dataDir, 'backups', `qb-bridge-${timestamp(now)}.db`));
  fs.mkdirSync(path.dirname(target), { recursive: true });
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
