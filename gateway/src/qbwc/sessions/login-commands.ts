import crypto from 'node:crypto';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import type { CliRuntime } from '../../cli/runtime';
import { recordQbrAudit } from '../audit/audit';
import { lockSummary } from '../soap/soap-login';
import {
  defaultLockoutPolicy,
  hashPassword,
  maxPasswordChars,
  resolveCredentials,
  saveCredentials,
  unlockLogins,
} from './credentials';
import { readPassword } from './read-password';

/** `qbwc set-password` and `qbwc unlock`: the Web Connector's login, and lifting lockouts on it. */
export function registerQbwcLoginCommands(qbwc: Command, runtime: CliRuntime): void {
  qbwc
    .command('set-password')
    .description('Set the user name and password the Web Connector logs in with (stored as a slow hash)')
    .option('--username <name>', 'Web Connector user name (default: QBWC_USERNAME or the stored one)')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .option('--generate', 'generate a strong random password and print it once on stdout')
    .action(async (options: { username?: string; passwordStdin?: boolean; generate?: boolean }) => {
      const ctx = runtime.open();
      const username = (options.username ?? resolveCredentials(ctx.db, ctx.config).username).trim();
      if (!username || username.length > 100)
        throw new CliError(ExitCode.usage, 'Give a user name of 1-100 characters');
      const password = options.generate
        ? crypto.randomBytes(18).toString('base64url')
        : await readPassword(runtime, options.passwordStdin, true);
      if (password.length < 12 || password.length > maxPasswordChars) {
        throw new CliError(
          ExitCode.usage,
          `The password must be 12 to ${maxPasswordChars} characters long; use --generate for a random one`,
        );
      }
      saveCredentials(ctx.db, username, await hashPassword(password));
      // the wrong guesses were against the old password; a new one starts clean
      const lifted = unlockLogins(ctx.db, new Date(), defaultLockoutPolicy, username);
      recordQbrAudit(ctx.db, {
        actor: 'cli',
        action: 'qbwc_set_password',
        outcome: 'success',
        resource: username,
        details: lifted.length > 0 ? { locksLifted: lifted.length } : {},
      });
      if (options.generate) runtime.out(password);
      runtime.err(
        `Web Connector login for "${username}" saved. Type the password into the Web Connector when it asks` +
          ' (it overrides QBWC_USERNAME/QBWC_PASSWORD_HASH from the environment).' +
          (lifted.length > 0 ? ` ${lifted.length} lockout(s) on this name were lifted.` : ''),
      );
    });

  qbwc
    .command('unlock')
    .description('Lift Web Connector login lockouts and slow-downs after wrong passwords')
    .option('--username <name>', 'only this user name (default: every name)')
    .option('--json', 'print the locks lifted as JSON')
    .action((options: { username?: string; json?: boolean }) => {
      const ctx = runtime.open();
      const lifted = unlockLogins(ctx.db, new Date(), defaultLockoutPolicy, options.username?.trim());
      recordQbrAudit(ctx.db, {
        actor: 'cli',
        action: 'qbwc_unlock',
        outcome: 'success',
        resource: options.username ?? '*',
        details: { locksLifted: lifted.length },
      });
      const rows = lifted.map((l) => ({
        username: l.username,
        remote_ip: l.remoteIp,
        failures: l.failures,
        locked_until: l.until.toISOString(),
      }));
      const who = options.username ? `"${options.username}"` : 'any user name';
      runtime.print(rows, options, () =>
        lifted.length === 0
          ? `No lockout held for ${who}; failed attempts were cleared, so no slow-down is left either.`
          : [
              `Lifted ${lifted.length} lockout(s) for ${who}:`,
              ...lifted.map((l) => `  ${lockSummary(l)}`),
            ].join('\n'),
      );
    });
}
