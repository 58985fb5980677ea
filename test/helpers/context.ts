import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type AppContext, openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger, type Logger } from '../../gateway/src/log/logger';

export function tempDir(prefix = 'qbb-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A logger whose JSON lines are collected in memory, for asserting what reaches the log. */
export function capturingLogger(level = 'info'): { log: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ level, destination }), lines, text: () => lines.join('\n') };
}

/** A real context on a fresh store in a temp DATA_DIR. */
export function testContext(env: Record<string, string> = {}, log?: Logger): AppContext {
  const dir = env.DATA_DIR ?? tempDir();
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }, dir);
  return openContext(config, { log: log ?? createLogger({ level: 'silent' }) });
}
