import { afterEach, describe, expect, it } from 'vitest';
import { openContext } from '../../gateway/src/app/context';
import { loadConfig } from '../../gateway/src/config/load';
import { createLogger } from '../../gateway/src/log/logger';
import { cachedCustomerCount, cachedCustomersByName } from '../../gateway/src/qbo/customers-cache';
import { runCliAsync } from '../helpers/cli';
import { tempDir } from '../helpers/context';
import { type Harness, startHarness } from './helpers';

describe('qb-bridge test-connections and sync-customers', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  const envOf = (harness: Harness) => ({
    DATA_DIR: harness.ctx.config.dataDir,
    QBO_ENVIRONMENT: 'emulator',
    QBO_API_BASE_URL: harness.server.url,
    LOG_LEVEL: 'warn',
  });

  it('test-connections prints company, realm, environment and token health', async () => {
    h = await startHarness();
    const human = await runCliAsync(['test-connections'], envOf(h));
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`connected to "Sandbox Company_US_1" (realm ${h.realm}, emulator)`);
    expect(human.stdout).toMatch(/token: connected, access token valid until \d{4}-/);
    const json = await runCliAsync(['test-connections', '--json'], envOf(h));
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      realmId: h.realm,
      companyName: 'Sandbox Company_US_1',
    });
  });

  it('test-connections exits 4 with a sentence when no company is connected', async () => {
    const dir = tempDir();
    const result = await runCliAsync(['test-connections'], {
      DATA_DIR: dir,
      QBO_ENVIRONMENT: 'emulator',
      QBO_API_BASE_URL: 'http://127.0.0.1:9',
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('authorize-qbo');
  });

  it('sync-customers caches every customer past 1000, inactive included, and reports changes', async () => {
    h = await startHarness();
    for (let i = 0; i < 1_100; i++)
      h.emulator.create(h.realm, 'Customer', { DisplayName: `Cached ${i}`, Active: i % 4 !== 0 });
    const expected = h.emulator.entities(h.realm, 'Customer').length;
    const first = await runCliAsync(['sync-customers', '--json'], envOf(h));
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as Record<string, number>;
    expect(summary).toMatchObject({ total: expected, added: expected, removed: 0, pages: 2, inactive: 275 });
    const second = await runCliAsync(['sync-customers'], envOf(h));
    expect(second.stdout).toMatch(
      new RegExp(`Cached ${expected} customers .*: 0 new, 0 changed, 0 removed, read in 2 pages`),
    );
    const dir = h.ctx.config.dataDir;
    const ctx = openContext(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }, dir), {
      log: createLogger({ level: 'silent' }),
    });
    try {
      expect(cachedCustomerCount(ctx.db, h.realm)).toBe(expected);
      expect(cachedCustomersByName(ctx.db, h.realm, ' amy\u2019s bird SANCTUARY')[0]?.displayName).toBe(
        "Amy's Bird Sanctuary",
      );
      expect(cachedCustomersByName(ctx.db, h.realm, 'Cached 0')[0]?.active).toBe(false);
    } finally {
      ctx.close();
    }
  });
});
