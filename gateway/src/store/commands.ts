import type { Command } from 'commander';
import type { CliRuntime } from '../cli/runtime';
import { QboLedger } from '../qbo/index';
import { type BackupKey, backupStore, copySecretKey, keyAdvice, restoreStore } from './backup';
import { storeFileName } from './database';
import { schemaVersion } from './migrations';

export function registerStoreCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('migrate')
    .description('Apply pending store migrations (serve and every command also do this at start)')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) => {
      const ctx = runtime.open();
      const summary = { dataDir: ctx.config.dataDir, schemaVersion: schemaVersion(ctx.db) };
      runtime.print(
        summary,
        options,
        () => `Store ${summary.dataDir} is at schema version ${summary.schemaVersion}`,
      );
    });

  program
    .command('backup')
    .description('Take a consistent online backup of the store (safe while serve is running)')
    .option('--out <path>', 'where to write the backup (default: $DATA_DIR/backups/qb-bridge-<time>.db)')
    .option(
      '--with-key',
      "also copy $DATA_DIR/secret.key beside the backup as <backup>.key (the backup's tokens cannot be read without it)",
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { out?: string; json?: boolean; withKey?: boolean }) => {
      const ctx = runtime.open();
      const file = await backupStore(ctx.db, ctx.config.dataDir, options.out);
      const configuredKey = ctx.config.QB_BRIDGE_SECRET_KEY !== undefined;
      let key: BackupKey | undefined;
      if (options.withKey) key = copySecretKey(ctx.config.dataDir, file, configuredKey);
      ctx.audit.record({
        actor: 'cli',
        action: 'store.backup',
        target: file,
        outcome: 'success',
        details: { withKey: key?.copiedTo !== undefined },
      });
      const advice = keyAdvice(ctx.config.dataDir, key, configuredKey);
      const summary = key?.copiedTo ? { backup: file, key: key.copiedTo } : { backup: file };
      runtime.print({ ...summary, keyNote: advice }, options, () => `Backup written to ${file}\n${advice}`);
    });

  registerRestoreCommand(program, runtime);
}

/**
 * `restore --from PATH`: the backup replaces the store, and the QuickBooks ledger is told it may be older
 * than QuickBooks — every row not final is looked up before anything is sent again, and so is every row
 * planned in the weeks after (objects created after the backup was taken are found, not created twice).
 */
function registerRestoreCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('restore')
    .description(
      'Replace the store with a backup (stop serve first); unfinished QuickBooks writes are looked up before anything is resent',
    )
    .requiredOption('--from <path>', 'the backup file (from `qb-bridge backup`)')
    .option('--json', 'print the result as JSON')
    .action((options: { from: string; json?: boolean }) => {
      const dataDir = runtime.config().dataDir;
      const result = restoreStore(dataDir, options.from, storeFileName);
      const ctx = runtime.open();
      const lookedUp = new QboLedger(ctx.db).markRestored();
      ctx.audit.record({ actor: 'cli', action: 'store.restore', target: options.from, outcome: 'success' });
      const summary = { ...result, from: options.from, ledgerRowsToLookUp: lookedUp };
      runtime.print(summary, options, () =>
        [
          `Store restored from ${options.from}`,
          result.previous ? `The store it replaced was kept at ${result.previous}` : '',
          `${lookedUp} unfinished QuickBooks write(s) will be looked up in QuickBooks before anything is sent again`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
}
