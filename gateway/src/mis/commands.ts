/** `qb-bridge mis analyze|preview|batch|all|single|status` — the seed's promised `tools/sync_invoices.py`. */
import type { Command } from 'commander';
import type { CliRuntime } from '../cli/runtime';
import { registerMisReadCommands } from './commands/read';
import { registerMisSyncCommands } from './commands/sync';

/** The `mis` group; its commands are in `commands/` (read-only ones, and the ones that write). */
export function registerMisCommands(program: Command, runtime: CliRuntime): void {
  const mis = program.command('mis').description('MIS (student records, MySQL) invoices to QuickBooks');
  registerMisReadCommands(mis, runtime);
  registerMisSyncCommands(mis, runtime);
}
