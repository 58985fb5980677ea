import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../../cli/exit-codes';
import { wholeNumberOption } from '../../cli/options';
import type { CliRuntime } from '../../cli/runtime';
import { resolveCredentials } from '../sessions/credentials';
import { buildQwcFile, ensureQwcIdentity, QwcUrlError, qwcUrls } from './qwc-file';

/** `qbwc qwc --url URL`: the .qwc file a Web Connector adds qb-bridge with. */
export function registerQbwcQwcCommand(qbwc: Command, runtime: CliRuntime): void {
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
}
