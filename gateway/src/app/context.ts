import type { Config } from '../config/load';
import { JobStore } from '../jobs/jobs';
import { createLogger, type Logger } from '../log/logger';
import { allMigrations } from '../store/all-migrations';
import { AuditLog } from '../store/audit';
import { type Db, openDatabase } from '../store/database';
import { applyMigrations } from '../store/migrations';
import { openSecretBox, resolveSecretKey, type SecretBox } from '../store/secrets';

/** What every command, route and service receives: configuration and the shared adapters. */
export interface AppContext {
  config: Config;
  db: Db;
  log: Logger;
  secrets: SecretBox;
  audit: AuditLog;
  jobs: JobStore;
  close(): void;
}

export interface OpenOptions {
  log?: Logger;
}

/** Opens the store (applying pending migrations), checks the secret key and wires the shared adapters. */
export function openContext(config: Config, options: OpenOptions = {}): AppContext {
  const log =
    options.log ??
    createLogger({ level: config.LOG_LEVEL, fileDir: config.LOG_TO_FILE ? config.dataDir : undefined });
  for (const note of config.deprecations) log.warn({ deprecation: true }, note);
  const db = openDatabase(config.dataDir);
  try {
    const applied = applyMigrations(db, allMigrations);
    if (applied.length > 0) log.info({ applied }, 'store migrated');
    const { key, source, warning } = resolveSecretKey(config.dataDir, config.QB_BRIDGE_SECRET_KEY);
    if (warning) log.warn({ secretKeyFile: source }, warning);
    const secrets = openSecretBox(db, key, source);
    let closed = false;
    return {
      config,
      db,
      log,
      secrets,
      audit: new AuditLog(db),
      jobs: new JobStore(db),
      close() {
        if (closed) return;
        closed = true;
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
