import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../gateway/src/log/logger';
import { createQboClient } from '../../gateway/src/qbo/http/client';
import type { TokenSource } from '../../gateway/src/qbo/oauth/token-source';
import { runCliAsync } from '../helpers/cli';
import { tempDir } from '../helpers/context';
import { type Harness, startHarness } from './helpers';

const noTokens: TokenSource = {
  accessToken: async () => 'unused',
  refreshAfterRejection: async () => 'unused',
};

function clientScale(env: Record<string, string>): number {
  const dir = tempDir();
  const config = loadConfig({ DATA_DIR: dir, QBO_REALM_ID: '1', ...env }, dir);
  return createQboClient({ config, log: createLogger({ level: 'silent' }) }, { tokens: noTokens }).timeScale;
}

describe('QBO_EMULATOR_TIME_SCALE', () => {
  it('sets the client time scale in emulator mode only, and must be a number of at least 1', () => {
    expect(clientScale({ QBO_ENVIRONMENT: 'emulator', QBO_EMULATOR_TIME_SCALE: '60' })).toBe(60);
    expect(clientScale({ QBO_ENVIRONMENT: 'emulator' })).toBe(1);
    // Against Intuit a leftover value must not shorten Intuit's 60 s throttle wait.
    expect(clientScale({ QBO_ENVIRONMENT: 'sandbox', QBO_EMULATOR_TIME_SCALE: '60' })).toBe(1);
    expect(clientScale({ QBO_ENVIRONMENT: 'production', QBO_EMULATOR_TIME_SCALE: '60' })).toBe(1);
    for (const bad of ['0.5', '0', 'fast']) {
      const dir = tempDir();
      expect(() =>
        loadConfig({ DATA_DIR: dir, QBO_ENVIRONMENT: 'emulator', QBO_EMULATOR_TIME_SCALE: bad }, dir),
      ).toThrow(ConfigError);
    }
  });

  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('makes the CLI wait out a 429 of `qbo-emulator --time-scale 60` in about a second, not a minute', async () => {
    // The CLI's first call is answered with Intuit's throttle (injected, so a slow CLI start-up on a loaded
    // machine cannot let an emulated minute pass first); it has to wait out the 60 s pause, scaled.
    h = await startHarness({ emulator: { timeScale: 60, accessTokenTtlSeconds: 3600 * 60 } });
    await h.client.companyInfo();
    const throttledBefore = h.emulator.stats().throttled;
    h.emulator.faults.nextFaults.push('429');
    const result = await runCliAsync(['test-connections'], {
      DATA_DIR: h.ctx.config.dataDir,
      QBO_ENVIRONMENT: 'emulator',
      QBO_API_BASE_URL: h.server.url,
      QBO_EMULATOR_TIME_SCALE: '60',
      LOG_LEVEL: 'error',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('connected to "Sandbox Company_US_1"');
    expect(h.emulator.stats().throttled - throttledBefore).toBeGreaterThanOrEqual(1);
    // 60 s / 60 (+ up to 10% jitter) plus process start-up; unscaled it would have been over a minute.
    expect(result.ms).toBeLessThan(10_000);
    expect(result.ms).toBeGreaterThan(900);
  });
});
