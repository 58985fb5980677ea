import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type AppContext, openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger, type Logger } from '../../gateway/src/log/logger';

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-qbo-auth-'));
}

/** A real context (own DB connection) on `dataDir`; two calls on one dir behave like two processes. */
export function openTestContext(dataDir: string, env: Record<string, string> = {}, log?: Logger): AppContext {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, dataDir);
  return openContext(config, { log: log ?? createLogger({ level: 'silent' }) });
}

/** A logger that keeps every JSON line it writes, to search the output for secrets. */
export function capturingLogger(): { log: Logger; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: 'trace', destination }), text: () => lines.join('') };
}
