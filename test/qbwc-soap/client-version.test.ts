import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../gateway/src/config/load';
import { tempDir } from '../helpers/context';
import { type Harness, harness } from './helpers';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

async function clientVersion(t: Harness, reported: string): Promise<string> {
  return (await t.call('clientVersion', [['strVersion', reported]])).text;
}

describe('clientVersion minimum and warning from the configuration', () => {
  it('by default refuses below 2.0 naming 2.0 as the version to reach, and warns below 2.1.0.30', async () => {
    h = await harness();
    expect(await clientVersion(h, '1.5.0.0')).toBe('O:2.0');
    expect(await clientVersion(h, '2.0.1.30')).toMatch(/^W:.*older than 2\.1\.0\.30/);
    expect(await clientVersion(h, '2.1.0.30')).toBe('');
    expect(await clientVersion(h, '2.3.0.215')).toBe('');
  });

  it('QBWC_MIN_CLIENT_VERSION refuses older Web Connectors with O:<that minimum>', async () => {
    h = await harness({ env: { QBWC_MIN_CLIENT_VERSION: '2.2', QBWC_WARN_CLIENT_VERSION: '2.3.0.215' } });
    expect(await clientVersion(h, '2.1.0.30')).toBe('O:2.2');
    expect(await clientVersion(h, '2.2.0.71')).toMatch(/^W:.*older than 2\.3\.0\.215/);
    expect(await clientVersion(h, '2.3.0.215')).toBe('');
  });

  it('a warning threshold below the minimum only leaves the refusal', async () => {
    h = await harness({ env: { QBWC_MIN_CLIENT_VERSION: '2.3', QBWC_WARN_CLIENT_VERSION: '2.0' } });
    expect(await clientVersion(h, '2.1.0.30')).toBe('O:2.3');
    expect(await clientVersion(h, '2.3.0.215')).toBe('');
  });

  it('refuses a value that is not a dotted version number, naming the variable and an example', () => {
    for (const [variable, value] of [
      ['QBWC_MIN_CLIENT_VERSION', 'latest'],
      ['QBWC_WARN_CLIENT_VERSION', '2.1.0.30.1'],
      ['QBWC_MIN_CLIENT_VERSION', 'v2.1'],
    ] as const) {
      const dir = tempDir();
      let error: unknown;
      try {
        loadConfig({ DATA_DIR: dir, [variable]: value }, dir);
      } catch (caught) {
        error = caught;
      }
      expect(error, `${variable}=${value}`).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as ConfigError).message).toMatch(/dotted version number.*for example/);
    }
    const dir = tempDir();
    expect(loadConfig({ DATA_DIR: dir, QBWC_MIN_CLIENT_VERSION: ' 2.1 ' }, dir).QBWC_MIN_CLIENT_VERSION).toBe(
      '2.1',
    );
  });
});
