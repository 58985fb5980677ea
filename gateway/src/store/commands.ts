import type { Command } from 'commander';
import type { CliRuntime } from '../cli/runtime';
import { type BackupKey, backupStore, copySecretKey, keyAdvice } from './backup';
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
}
