import type { Command } from 'commander';
import { portOption } from '../cli/options';
import type { CliRuntime } from '../cli/runtime';
import { createLogger } from '../log/logger';
import { demoBanner, startDemo } from './demo';

export function registerDemoCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('demo')
    .description('See qb-bridge work on embedded defaults: SQLite in ./demo-data and the QuickBooks emulator')
    .option('--port <port>', 'port for the gateway (default 8787; 0 picks a free one)', portOption())
    .option('--data-dir <path>', 'where the demo keeps its store (never DATA_DIR)', 'demo-data')
    .action(async (options: { port?: number; dataDir: string }) => {
      runtime.keepAlive = true;
      const log = createLogger({ level: runtime.env.LOG_LEVEL ?? 'warn' });
      const demo = await startDemo({
        env: runtime.env,
        cwd: runtime.cwd,
        port: options.port ?? 8787,
        dataDir: options.dataDir,
        log,
      });
      runtime.out(demoBanner(demo));
      void demo.mis.then((line) => runtime.out(`MIS sync           ${line}`));
      const onSignal = () => {
        void demo.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    });
}
