import crypto from 'node:crypto';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes';
import { promptHidden } from '../cli/prompt-hidden';
import type { CliRuntime } from '../cli/runtime';
import { addUser, listUsers, removeUser, UserInputError } from './users';

async function readNewPassword(runtime: CliRuntime, options: AddUserOptions): Promise<string> {
  if (options.generate) return crypto.randomBytes(18).toString('base64url');
  if (options.passwordStdin) return (await runtime.readStdin()).replace(/\r?\n$/, '');
  if (!process.stdin.isTTY) {
    throw new CliError(
      ExitCode.usage,
      'No terminal to ask for the password: pipe it in with --password-stdin',
    );
  }
  const first = await promptHidden('Dashboard password: ');
  if ((await promptHidden('Again, to confirm: ')) !== first) {
    throw new CliError(ExitCode.usage, 'The two passwords differ; nothing was changed');
  }
  return first;
}

interface AddUserOptions {
  username: string;
  passwordStdin?: boolean;
  generate?: boolean;
}

/** `qb-bridge admin add-user|remove-user|list-users`: who may log in to the dashboard. */
export function registerAdminCommands(program: Command, runtime: CliRuntime): void {
  const admin = program.command('admin').description('Dashboard users');

  admin
    .command('add-user')
    .description('Add a dashboard user, or set a new password for an existing one (stored as a slow hash)')
    .requiredOption('--username <name>', 'the login name, e.g. alex')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .option('--generate', 'generate a strong random password and print it once on stdout')
    .action(async (options: AddUserOptions) => {
      const ctx = runtime.open();
      const password = await readNewPassword(runtime, options);
      let result: { created: boolean };
      try {
        result = await addUser(ctx.db, options.username, password);
      } catch (error) {
        if (error instanceof UserInputError) throw new CliError(ExitCode.usage, error.message);
        throw error;
      }
      ctx.audit.record({
        actor: 'cli',
        action: result.created ? 'dashboard.user.add' : 'dashboard.user.password',
        target: options.username.trim(),
        outcome: 'success',
      });
      if (options.generate) runtime.out(password);
      runtime.err(
        result.created
          ? `Dashboard user "${options.username.trim()}" added; log in at PUBLIC_URL/login`
          : `New password saved for "${options.username.trim()}"; their open sessions were ended`,
      );
    });

  admin
    .command('remove-user')
    .description('Remove a dashboard user and end their sessions')
    .requiredOption('--username <name>', 'the login name')
    .action((options: { username: string }) => {
      const ctx = runtime.open();
      if (!removeUser(ctx.db, options.username)) {
        throw new CliError(ExitCode.usage, `No dashboard user named "${options.username}"`);
      }
      ctx.audit.record({
        actor: 'cli',
        action: 'dashboard.user.remove',
        target: options.username.trim(),
        outcome: 'success',
      });
      runtime.err(`Dashboard user "${options.username.trim()}" removed`);
    });

  admin
    .command('list-users')
    .description('List dashboard users (names and dates)')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) => {
      const users = listUsers(runtime.open().db);
      runtime.print(users, options, () =>
        users.length === 0
          ? 'No dashboard users yet; add one with `qb-bridge admin add-user --username NAME`'
          : users
              .map((u) => `${u.username}\tadded ${u.createdAt}\tlast login ${u.lastLoginAt ?? 'never'}`)
              .join('\n'),
      );
    });
}
