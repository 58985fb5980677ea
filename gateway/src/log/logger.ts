import fs from 'node:fs';
import path from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import { redact, scrubString } from './redact';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Also write rotated files under `<dataDir>/logs/`. */
  fileDir?: string;
  /** Where stdout lines go; tests pass a collecting stream. */
  destination?: DestinationStream;
}

/**
 * Creates `dir` (0700) or tightens one an older version created 0755, and any log files in it to 0600.
 */
function ownerOnly(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) fs.chmodSync(file, 0o600);
  }
}

/**
 * Structured JSON lines on stdout. Every object passed to the logger goes through `redact`, and message
 * strings through `scrubString`, so a token cannot reach the output by any path we control.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const streams: pino.StreamEntry[] = [{ stream: options.destination ?? pino.destination(1) }];
  if (options.fileDir) {
    const dir = path.join(options.fileDir, 'logs');
    ownerOnly(dir);
    const rolling = pino.transport({
      target: 'pino-roll',
      options: {
        // Logs hold realm ids, addresses and request details: owner-only, like the rest of DATA_DIR.
        mode: 0o600,
        file: path.join(dir, 'qb-bridge'),
        extension: '.log',
        frequency: 'daily',
        size: '20m',
        mkdir: true,
        limit: { count: 14 },
      },
    }) as DestinationStream;
    streams.push({ stream: rolling });
  }
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: 'qb-bridge' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === 'string' ? scrubString(arg) : arg));
          return method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    pino.multistream(streams),
  );
  // Fields bound with log.child({...}) are serialised once and skip the `log` formatter (pino resets the
  // `bindings` formatter for children), so they are redacted here. Children inherit this from the root.
  const child = logger.child; // pino's own, from the prototype: called with each logger as `this`
  logger.child = function redactingChild<L extends string = never>(
    this: Logger,
    bindings: pino.Bindings,
    options?: pino.ChildLoggerOptions<L>,
  ) {
    return child.call(this, redact(bindings) as pino.Bindings, options) as Logger<L>;
  };
  return logger;
}
