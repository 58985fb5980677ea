import type { Command } from 'commander';
import { wholeNumberOption } from '../cli/options';
import type { CliRuntime } from '../cli/runtime';
import { renderReport, runDoctor } from './service';
import { registerTestConnectionsCommand } from './test-connections';

/** `qb-bridge doctor` and `qb-bridge test-connections`. `doctor`: exit 0 all good, 3 warnings only, 1 something fails (4 when the configuration itself is wrong). */
export function registerDoctorCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('doctor')
    .description(
      'Check a deployment: PUBLIC_URL and its certificate, the clock, DATA_DIR, the secret key, and each configured integration; says how to fix each problem',
    )
    .option('--json', 'print the results as JSON')
    .option('--timeout <ms>', 'how long each network check may take', wholeNumberOption('--timeout'), 5000)
    .action(async (options: { json?: boolean; timeout: number }) => {
      const report = await runDoctor(runtime.config(), { timeoutMs: options.timeout });
      runtime.print(report, options, () => renderReport(report));
      process.exitCode = report.exitCode;
    });

  registerTestConnectionsCommand(program, runtime);
}
