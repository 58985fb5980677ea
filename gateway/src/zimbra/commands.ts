import type { Command } from 'commander';
import type { CliRuntime } from '../cli/runtime';
import { registerZimbraGroup } from './commands/month-tools';
import { registerReconcileCommands } from './commands/reconcile';
import { registerReportCommands } from './commands/reports';
import { registerRunMonthlyBilling } from './commands/run-monthly-billing';

/**
 * The Zimbra commands, named and flagged as the seed's operators know them (design.md):
 * `run-monthly-billing`, `generate-report`, `preview-invoices`, `reconcile-domains`, `reconcile-cos`, and
 * `zimbra undo` / `zimbra test-connection`. Each command (or group) is in `commands/`.
 */
export function registerZimbraCommands(program: Command, runtime: CliRuntime): void {
  registerRunMonthlyBilling(program, runtime);
  registerReportCommands(program, runtime);
  registerReconcileCommands(program, runtime);
  registerZimbraGroup(program, runtime);
}
