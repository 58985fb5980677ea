import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes';
import { wholeNumberOption } from '../cli/options';
import { promptHidden } from '../cli/prompt-hidden';
import type { CliRuntime } from '../cli/runtime';
import { recordQbrAudit } from './audit/audit';
import { registerQbwcAuditCommand } from './audit/audit-command';
import { playSession } from './play/play-session';
import { registerQbwcReprocessCommand } from './reprocess-command';
import {
  defaultLockoutPolicy,
  hashPassword,
  maxPasswordChars,
  resolveCredentials,
  saveCredentials,
  unlockLogins,
} from './sessions/credentials';
import { buildQwcFile, ensureQwcIdentity, QwcUrlError, qwcUrls } from './soap/qwc-file';
import { lockSummary } from './soap/soap-login';

async function readPassword(
  runtime: CliRuntime,
  fromStdin: boolean | undefined,
  confirm: boolean,
): Promise<string> {
  if (fromStdin) return (await runtime.readStdin()).replace(/\r?\n$/, '');
  if (!process.stdin.isTTY) {
    throw new CliError(
      ExitCode.usage,
      'No terminal to ask for the password: pipe it in and add --password-stdin',
    );
  }
  const first = await promptHidden('Web Connector password: ');
  if (confirm && (await promptHidden('Again, to confirm: ')) !== first) {
    throw new CliError(ExitCode.usage, 'The two passwords differ; nothing was changed');
  }
  return first;
}

export function registerQbwcCommands(program: Command, runtime: CliRuntime): void {
  const qbwc = program.command('qbwc').description('QuickBooks Desktop through the Web Connector');
  registerQbwcReprocessCommand(qbwc, runtime);
  registerQbwcAuditCommand(qbwc, runtime);

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

  qbwc
    .command('qwc')
    .description('Write the .qwc file to add qb-bridge to the Web Connector')
    .requiredOption(
      '--url <url>',
      'the gateway address QuickBooks PCs reach, e.g. https://bridge.example.com',
    )
    .option('--out <path>', 'where to write it ("-" for stdout)', 'qb-bridge.qwc')
    .option('--app-name <name>', 'name shown in the Web Connector', 'qb-bridge')
    .option('--every <minutes>', 'how often the Web Connector runs it', wholeNumberOption('--every'), 60)
    .action((options: { url: string; out: string; appName: string; every: number }) => {
      let urls: ReturnType<typeof qwcUrls>;
      try {
        urls = qwcUrls(options.url);
      } catch (error) {
        if (error instanceof QwcUrlError) throw new CliError(ExitCode.usage, error.message);
        throw error;
      }
      if (!Number.isInteger(options.every) || options.every < 1) {
        throw new CliError(ExitCode.usage, '--every must be a whole number of minutes, 1 or more');
      }
      const ctx = runtime.open();
      const qwc = buildQwcFile({
        urls,
        username: resolveCredentials(ctx.db, ctx.config).username,
        identity: ensureQwcIdentity(ctx.db),
        appName: options.appName,
        runEveryMinutes: options.every,
      });
      if (options.out === '-') {
        process.stdout.write(qwc);
        return;
      }
      const target = path.resolve(runtime.cwd, options.out);
      fs.writeFileSync(target, qwc);
      runtime.out(
        `Wrote ${target} (AppURL ${urls.appUrl}); add it in the Web Connector with "Add an application".`,
      );
    });

  qbwc
    .command('play-session')
    .description(
      'Play a whole Web Connector session against a running gateway with sample QuickBooks answers',
    )
    .requiredOption('--url <url>', 'the gateway, e.g. http://127.0.0.1:8787')
    .option('--username <name>', 'Web Connector user name (default: the configured one)')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .option('--fixtures <set>', 'sample answers to use (only "default" exists)', 'default')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        url: string;
        username?: string;
        passwordStdin?: boolean;
        fixtures: string;
        json?: boolean;
      }) => {
        if (options.fixtures !== 'default') {
          throw new CliError(
            ExitCode.usage,
            `Unknown --fixtures "${options.fixtures}"; only "default" exists`,
          );
        }
        const username = options.username ?? runtime.config().QBWC_USERNAME;
        const password = await readPassword(runtime, options.passwordStdin, false);
        const trace: string[] = [];
        const result = await playSession({
          url: options.url,
          username,
          password,
          onCall: (method, answer) =>
            trace.push(`${method} → ${answer.length > 90 ? `${answer.slice(0, 90)}…` : answer}`),
        });
        runtime.print(result, options, () =>
          [
            ...trace,
            '',
            `Outcome: ${result.outcome}; ${result.requests} request(s): ${result.requestKinds.join(', ') || 'none'}`,
            `Progress: ${result.percents.join(' → ') || '-'}`,
            ...(result.lastError ? [`Last error: ${result.lastError}`] : []),
            `closeConnection said: ${result.closeMessage}`,
          ].join('\n'),
        );
        if (result.outcome === 'refused' || result.outcome === 'failed') process.exitCode = ExitCode.failed;
      },
    );
}
