import type { Command } from 'commander';
import type { CliRuntime } from '../cli/runtime';
import { registerQbwcAuditCommand } from './audit/audit-command';
import { registerQbwcPlayCommand } from './play/play-command';
import { registerQbwcReprocessCommand } from './reprocess-command';
import { registerQbwcLoginCommands } from './sessions/login-commands';
import { registerQbwcQwcCommand } from './soap/qwc-command';

/** The `qbwc` group; each command (or pair) is registered beside the code it drives. */
export function registerQbwcCommands(program: Command, runtime: CliRuntime): void {
  const qbwc = program.command('qbwc').description('QuickBooks Desktop through the Web Connector');
  registerQbwcReprocessCommand(qbwc, runtime);
  registerQbwcAuditCommand(qbwc, runtime);
  registerQbwcLoginCommands(qbwc, runtime);
  registerQbwcQwcCommand(qbwc, runtime);
  registerQbwcPlayCommand(qbwc, runtime);
}
