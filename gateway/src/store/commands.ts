import type { Command } from 'commander';
import type { CliRuntime } from '../cli/runtime';
import { backupStore } from './backup';
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
    .option('--json', 'print the result as JSON')
    .action(async (options: { out?: string; json?: boolean }) => {
      const ctx = runtime.open();
      const file = await backupStore(ctx.db, ctx.config.dataDir, options.out);
      ctx.audit.record({ actor: 'cli', action: 'store.backup', target: file, outcome: 'success' });
      runtime.print({ backup: file }, options, () => `Backup written to ${file}`);
    });
}
