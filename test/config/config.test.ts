import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../gateway/src/config/load';
import { configuredIntegrations, requireSettings } from '../../gateway/src/config/require';
import { envSchema } from '../../gateway/src/config/schema';
import { tempDir } from '../helpers/context';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, tempDir());
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('starts with defaults when nothing is set', () => {
    const dir = tempDir();
    const config = loadConfig({}, dir);
    expect(config.PORT).toBe(8787);
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.QBO_MINOR_VERSION).toBe(75);
    expect(config.QBO_ENVIRONMENT).toBe('sandbox');
  });

  it.each([
    ['a number that is not a number', { PORT: 'abc' }, 'PORT', 'must be a whole number', 'PORT=8787'],
    ['a number out of range', { PORT: '70000' }, 'PORT', 'between 1 and 65535', 'PORT=8787'],
    [
      'a value outside the allowed set',
      { QBO_ENVIRONMENT: 'staging' },
      'QBO_ENVIRONMENT',
      'must be one of production, sandbox, emulator',
      'QBO_ENVIRONMENT=sandbox',
    ],
    [
      'a URL with the wrong scheme',
      { PUBLIC_URL: 'ftp://example.com' },
      'PUBLIC_URL',
      'https://',
      'PUBLIC_URL=https://',
    ],
    [
      'text that is not a URL',
      { QBO_REDIRECT_URI: 'the callback page' },
      'QBO_REDIRECT_URI',
      'absolute URL',
      'QBO_REDIRECT_URI=http',
    ],
    [
      'plain http to a remote host',
      { PUBLIC_URL: 'http://qb.example.com' },
      'PUBLIC_URL',
      'http:// only for localhost',
      'PUBLIC_URL=https://',
    ],
    [
      'a malformed month',
      { QBWC_START_PERIOD: '2025-13' },
      'QBWC_START_PERIOD',
      'YYYY-MM',
      'QBWC_START_PERIOD=2025-01',
    ],
    [
      'a minor version Intuit retired',
      { QBO_MINOR_VERSION: '65' },
      'QBO_MINOR_VERSION',
      '75 or higher',
      'QBO_MINOR_VERSION=75',
    ],
    [
      'a malformed database URL',
      { MIS_DATABASE_URL: 'postgres://x' },
      'MIS_DATABASE_URL',
      'mysql://',
      'MIS_DATABASE_URL=mysql://',
    ],
  ])(
    'rejects %s with one line naming the variable and a right value',
    (_kind, env, variable, problem, example) => {
      const error = configError(env);
      expect(error.variable).toBe(variable);
      expect(error.message.split('\n')).toHaveLength(1);
      expect(error.message.startsWith(variable)).toBe(true);
      expect(error.message).toContain(problem);
      expect(error.message).toContain(`for example ${example}`);
    },
  );

  it('never echoes a secret value in the error', () => {
    const error = configError({ QB_BRIDGE_SECRET_KEY: 'hunter2-not-a-key' });
    expect(error.variable).toBe('QB_BRIDGE_SECRET_KEY');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('(hidden)');
  });

  it('shows a URL without the password it carries', () => {
    const error = configError({ MIS_DATABASE_URL: 'postgres://billing:Sup3rS3cret@db.example.com/mis' });
    expect(error.message).not.toContain('Sup3rS3cret');
    expect(error.message).toContain('postgres://billing:[REDACTED]@db.example.com/mis');
  });

  it('names a missing setting when a command needs it', () => {
    const config = loadConfig({}, tempDir());
    expect(() => requireSettings(config, ['ZIMBRA_HOST'], 'to fetch Zimbra reports')).toThrow(
      /^ZIMBRA_HOST is missing \(needed to fetch Zimbra reports\); for example ZIMBRA_HOST=mail\.example\.com$/,
    );
  });

  it('treats empty values as unset so `.env` placeholders fall back to defaults', () => {
    const config = loadConfig({ PORT: '', QBO_CLIENT_ID: '  ' }, tempDir());
    expect(config.PORT).toBe(8787);
    expect(config.QBO_CLIENT_ID).toBeUndefined();
  });

  it('reads .env, with real environment variables taking precedence', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=9000\nZIMBRA_HOST=mail.example.com\n');
    const config = loadConfig({ PORT: '9100' }, dir);
    expect(config.PORT).toBe(9100);
    expect(config.ZIMBRA_HOST).toBe('mail.example.com');
  });

  it("accepts the seeds' variable names with a deprecation note each", () => {
    const config = loadConfig(
      {
        QB_CLIENT_ID: 'abc',
        QB_ENV: 'Production',
        QBO_COMPANY_ID: '123145',
        DATABASE_PATH: '/srv/billing/data/billing.db',
      },
      tempDir(),
    );
    expect(config.QBO_CLIENT_ID).toBe('abc');
    expect(config.QBO_ENVIRONMENT).toBe('production');
    expect(config.QBO_REALM_ID).toBe('123145');
    expect(config.dataDir).toBe('/srv/billing/data');
    expect(config.deprecations).toEqual([
      'QB_CLIENT_ID is deprecated; rename it to QBO_CLIENT_ID.',
      'QBO_COMPANY_ID is deprecated; rename it to QBO_REALM_ID.',
      'QB_ENV is deprecated; rename it to QBO_ENVIRONMENT.',
      'DATABASE_PATH is deprecated; rename it to DATA_DIR (set to the folder that holds the file).',
    ]);
  });

  it('names the seed variable the user set when its value is wrong', () => {
    expect(() => loadConfig({ QB_ENV: 'Staging' }, tempDir())).toThrow(
      'QB_ENV (read as QBO_ENVIRONMENT) is "Staging" but must be one of production, sandbox, emulator',
    );
    // The sheet seed sent minorversion 70; Intuit's floor is 75, and the error says which line to change.
    let error: unknown;
    try {
      loadConfig({ QB_MINOR_VERSION: '70' }, tempDir());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('QB_MINOR_VERSION');
    expect((error as ConfigError).message).toMatch(/^QB_MINOR_VERSION \(read as QBO_MINOR_VERSION\) is "70"/);
    expect(
      loadConfig({ QB_ELIGIBLE_STATUSES: 'submitted,pending' }, tempDir()).SHEETS_ELIGIBLE_STATUSES,
    ).toBe('submitted,pending');
  });

  it('maps QBO_SANDBOX=false to production and lets our own name win over an alias', () => {
    expect(loadConfig({ QBO_SANDBOX: 'false' }, tempDir()).QBO_ENVIRONMENT).toBe('production');
    const both = loadConfig({ QBO_SANDBOX: 'false', QBO_ENVIRONMENT: 'emulator' }, tempDir());
    expect(both.QBO_ENVIRONMENT).toBe('emulator');
    expect(both.deprecations[0]).toContain('QBO_SANDBOX is ignored because QBO_ENVIRONMENT is also set');
  });

  it('reports which integrations are configured', () => {
    const config = loadConfig(
      { MIS_DATABASE_URL: 'mysql://u:p@127.0.0.1/mis', QBO_ENVIRONMENT: 'emulator' },
      tempDir(),
    );
    expect(configuredIntegrations(config)).toEqual({
      qbo: true,
      sheets: false,
      mis: true,
      zimbra: false,
      qbwc: false,
    });
  });

  it('documents every variable in .env.example', () => {
    const example = fs.readFileSync(path.resolve(import.meta.dirname, '../../.env.example'), 'utf8');
    for (const key of Object.keys(envSchema.shape)) expect(example).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
  });
});
