import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/src/log/logger';
import { tempDir } from '../helpers/context';

describe('log files are owner-only', () => {
  it('creates logs/ 0700 and log files 0600, and tightens an older 0755 folder', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'logs'), { mode: 0o755 });
    fs.chmodSync(path.join(dir, 'logs'), 0o755);
    fs.writeFileSync(path.join(dir, 'logs', 'qb-bridge.1.log'), 'old\n', { mode: 0o644 });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const log = createLogger({ level: 'info', fileDir: dir, destination: quiet });
    log.info('hello');
    const logs = path.join(dir, 'logs');
    const deadline = Date.now() + 5_000;
    let files: string[] = [];
    while (Date.now() < deadline) {
      files = fs.readdirSync(logs).filter((f) => f.endsWith('.log'));
      const text = files.map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('');
      if (text.includes('hello')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fs.statSync(logs).mode & 0o777).toBe(0o700);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(fs.statSync(path.join(logs, f)).mode & 0o777, f).toBe(0o600);
  });
});
