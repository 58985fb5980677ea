import { type AppContext, openContext } from '../app/context';
import { type Config, loadConfig } from '../config/load';
import { createLogger } from '../log/logger';

/**
 * What a command needs from the process: configuration and the store, opened lazily so `--help` and
 * usage errors work without either; and output that honours `--json`.
 */
export interface CliRuntime {
  env: Record<string, string | undefined>;
  cwd: string;
  config(): Config;
  open(): AppContext;
  out(text: string): void;
  err(text: string): void;
  /** Prints a summary either as JSON (one object) or as readable lines. */
  print(summary: unknown, options: { json?: boolean }, human: () => string): void;
  /** Set by commands that keep running (serve, demo) so the process does not close the store and exit. */
  keepAlive: boolean;
  /** Reads all of stdin (for `--password-stdin`). */
  readStdin(): Promise<string>;
  close(): void;
}

export function createRuntime(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): CliRuntime {
  let config: Config | undefined;
  let ctx: AppContext | undefined;
  const runtime: CliRuntime = {
    env,
    cwd,
    keepAlive: false,
    config() {
      config ??= loadConfig(env, cwd);
      return config;
    },
    open() {
      if (!ctx) {
        const cfg = runtime.config();
        // Commands talk to people on stdout; their logs go to stderr so `--json` output stays parseable.
        const log = createLogger({
          level: cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL,
          destination: process.stderr,
          fileDir: cfg.LOG_TO_FILE ? cfg.dataDir : undefined,
        });
        ctx = openContext(cfg, { log });
      }
      return ctx;
    },
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    print(summary, options, human) {
      runtime.out(options.json ? JSON.stringify(summary, null, 2) : human());
    },
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    close() {
      ctx?.close();
      ctx = undefined;
    },
  };
  return runtime;
}
