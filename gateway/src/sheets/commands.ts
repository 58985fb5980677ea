import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes';
import type { CliRuntime } from '../cli/runtime';
import { playSheet, renderSheet } from './play';

/** The built add-on next to the built gateway (dist/gateway/main.js → dist/addon). */
function defaultBundleDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../addon');
}

export function registerSheetsCommands(program: Command, runtime: CliRuntime): void {
  const sheets = program.command('sheets').description('The Google Sheets flow');
  sheets
    .command('play')
    .description(
      'Run the built Sheets add-on against a running gateway on a CSV-loaded inv_tbl, and print the sheet afterwards',
    )
    .requiredOption(
      '--csv <file>',
      'the inv_tbl rows as CSV with a header row (a sample ships in gateway/src/sheets/sample/inv_tbl.csv)',
    )
    .requiredOption('--url <url>', 'the gateway, e.g. http://127.0.0.1:8787')
    .option('--key-stdin', 'read the add-on key (from `qb-bridge addon-key`) from stdin')
    .option('--mode <mode>', 'invoice_only or dual', 'dual')
    .option('--statuses <list>', 'statuses that make a row ready', 'submitted,pending,ready')
    .option('--bundle-dir <dir>', 'the built add-on (Code.js, Sidebar.html, appsscript.json)')
    .option('--json', 'print the outcome as JSON')
    .action(
      async (options: {
        csv: string;
        url: string;
        keyStdin?: boolean;
        mode: string;
        statuses: string;
        bundleDir?: string;
        json?: boolean;
      }) => {
        if (options.mode !== 'invoice_only' && options.mode !== 'dual')
          throw new CliError(ExitCode.usage, '--mode must be invoice_only or dual');
        if (!options.keyStdin)
          throw new CliError(
            ExitCode.usage,
            'Pass the add-on key on stdin with --key-stdin (create one with `qb-bridge addon-key`)',
          );
        const key = (await runtime.readStdin()).trim();
        const outcome = await playSheet({
          csv: path.resolve(runtime.cwd, options.csv),
          url: options.url,
          key,
          bundleDir: options.bundleDir ? path.resolve(runtime.cwd, options.bundleDir) : defaultBundleDir(),
          mode: options.mode,
          statuses: options.statuses,
        });
        runtime.print(
          outcome,
          options,
          () =>
            `${outcome.summary.message}\n\n${renderSheet(outcome)}\n\nrange calls: ${outcome.rangeCalls.reads} reads, ${outcome.rangeCalls.writes} writes`,
        );
        const status = outcome.headers.indexOf('qb_sync_status');
        const failed = outcome.rows.some((r) => r[status] === 'failed');
        if (outcome.summary.status === 'error' || outcome.summary.status === 'busy')
          process.exitCode = ExitCode.failed;
        else if (failed) process.exitCode = ExitCode.partial;
      },
    );
}
