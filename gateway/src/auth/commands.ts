import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { createApiToken, listApiTokens, revokeApiToken } from './api-tokens';

export function registerAuthCommands(program: Command, runtime: CliRuntime): void {
  const tokens = program.command('api-token').description('Manage API tokens for the REST endpoints');

  tokens
    .command('create')
    .description('Create a token and print it on stdout (it is stored hashed and shown only once)')
    .requiredOption('--name <name>', 'who or what uses the token, e.g. "nightly cron"')
    .action((options: { name: string }) => {
      const ctx = runtime.open();
      let created: ReturnType<typeof createApiToken>;
      try {
        created = createApiToken(ctx.db, options.name);
      } catch (error) {
        throw new CliError(ExitCode.usage, (error as Error).message);
      }
      ctx.audit.record({
        actor: 'cli',
        action: 'api_token.create',
        target: created.info.name,
        outcome: 'success',
      });
      runtime.out(created.token);
      runtime.err(`Token "${created.info.name}" created. Store it now: it cannot be shown again.`);
    });

  tokens
    .command('list')
    .description('List tokens (names and dates, never the tokens)')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) => {
      const list = listApiTokens(runtime.open().db);
      runtime.print(list, options, () =>
        list.length === 0
          ? 'No API tokens yet; create one with `qb-bridge api-token create --name NAME`'
          : list
              .map(
                (t) =>
                  `${t.name}\tcreated ${t.createdAt}\t${t.revokedAt ? `revoked ${t.revokedAt}` : `last used ${t.lastUsedAt ?? 'never'}`}`,
              )
              .join('\n'),
      );
    });

  tokens
    .command('revoke')
    .description('Revoke a token by name')
    .requiredOption('--name <name>', 'the token to revoke')
    .action((options: { name: string }) => {
      const ctx = runtime.open();
      if (!revokeApiToken(ctx.db, options.name)) {
        throw new CliError(ExitCode.usage, `No active token named "${options.name}"`);
      }
      ctx.audit.record({
        actor: 'cli',
        action: 'api_token.revoke',
        target: options.name,
        outcome: 'success',
      });
      runtime.out(`Token "${options.name}" revoked`);
    });
}
