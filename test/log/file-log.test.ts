import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/src/log/logger';
import { tempDir } from '../helpers/context';

async function waitFor<T>(read: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the log file');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('log files', () => {
  it('also writes redacted JSON lines to a rotating file under DATA_DIR/logs', async () => {
    const dir = tempDir();
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const log = createLogger({ level: 'info', fileDir: dir, destination: quiet });
    log.info({ realmId: '42', refresh_token: 'rt-should-not-appear' }, 'token refreshed');
    const content = await waitFor(() => {
      const logs = path.join(dir, 'logs');
      const files = fs.existsSync(logs) ? fs.readdirSync(logs).filter((f) => f.endsWith('.log')) : [];
      const text = files.map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('');
      return text.includes('token refreshed') ? text : undefined;
    });
    const line = JSON.parse(content.trim().split('\n').at(-1)!);
    expect(line).toMatchObject({ msg: 'token refreshed', realmId: '42', refresh_token: '[REDACTED]' });
    expect(content).not.toContain('rt-should-not-appear');
  });
});
