import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { createAddonKey, revokeAddonKey } from './hmac';

/** `qb-bridge addon-key`: a new HMAC key for the Sheets add-on, printed once on stdout. */
export function registerAddonKeyCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('addon-key')
    .description(
      'Print a new key for the Sheets add-on (sidebar settings, auth mode "hmac"); it is shown only once',
    )
    .option('--spreadsheet <id>', 'accept the key only for this spreadsheet id')
    .option('--revoke <keyId>', 'revoke a key by its id (the part between qbb_ and the dot) instead')
    .action((options: { spreadsheet?: string; revoke?: string }) => {
      const ctx = runtime.open();
      if (options.revoke) {
        if (!revokeAddonKey(ctx, options.revoke)) {
          throw new CliError(ExitCode.usage, `No active add-on key with id "${options.revoke}"`);
        }
        ctx.audit.record({
          actor: 'cli',
          action: 'addon_key.revoke',
          target: options.revoke,
          outcome: 'success',
        });
        runtime.err(`Add-on key ${options.revoke} revoked.`);
        return;
      }
      if (options.spreadsheet !== undefined && !/^[A-Za-z0-9_-]{10,100}$/.test(options.spreadsheet)) {
        throw new CliError(
          ExitCode.usage,
          '--spreadsheet must be a spreadsheet id (the part of its URL after /d/)',
        );
      }
      const { key, info } = createAddonKey(ctx, options.spreadsheet);
      ctx.audit.record({
        actor: 'cli',
        action: 'addon_key.create',
        target: info.keyId,
        outcome: 'success',
        details: { spreadsheetId: info.spreadsheetId },
      });
      runtime.out(key);
      runtime.err(
        `Add-on key ${info.keyId} created${info.spreadsheetId ? ` for spreadsheet ${info.spreadsheetId}` : ''}. Paste it into the sidebar's settings (auth mode "hmac"); it cannot be shown again.`,
      );
    });
}
