import type { Command } from 'commander';
import { registerAddonKeyCommands } from '../auth/addon/commands';
import { registerAdminCommands } from '../auth/admin-commands';
import { registerAuthCommands } from '../auth/commands';
import { registerDemoCommands } from '../demo/commands';
import { registerDoctorCommands } from '../doctor/commands';
import { registerMisCommands } from '../mis/commands';
import { registerQboAuthCommands } from '../qbo/auth-commands';
import { registerQboCommands } from '../qbo/commands';
import { registerQbwcCommands } from '../qbwc/commands';
import { registerSandboxCommands } from '../sandbox/commands';
import { registerServerCommands } from '../server/commands';
import { registerSheetsCommands } from '../sheets/commands';
import { registerStoreCommands } from '../store/commands';
import { registerZimbraCommands } from '../zimbra/commands';
import type { CliRuntime } from './runtime';

/** Each folder registers its own commands; this is the one place that lists the folders. */
export function registerCommands(program: Command, runtime: CliRuntime): void {
  registerServerCommands(program, runtime);
  registerDemoCommands(program, runtime);
  registerStoreCommands(program, runtime);
  registerAuthCommands(program, runtime);
  registerSandboxCommands(program, runtime);
  registerQboAuthCommands(program, runtime);
  registerQboCommands(program, runtime);
  registerQbwcCommands(program, runtime);
  registerAddonKeyCommands(program, runtime);
  registerSheetsCommands(program, runtime);
  registerMisCommands(program, runtime);
  registerZimbraCommands(program, runtime);
  registerDoctorCommands(program, runtime);
  registerAdminCommands(program, runtime);
}
