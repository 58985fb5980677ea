import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config/load';
import {
  configuredIntegrations,
  envExamplePlaceholders,
  isPlaceholder,
} from '../../gateway/src/config/require';
import { repoRoot } from '../helpers/cli';
import { tempDir } from '../helpers/context';

describe('.env.example copied unchanged', () => {
  it('marks no integration as configured', () => {
    const dir = tempDir();
    fs.copyFileSync(path.join(repoRoot, '.env.example'), path.join(dir, '.env'));
    const config = loadConfig({}, dir);
    expect(configuredIntegrations(config)).toEqual({
      qbo: false,
      sheets: false,
      mis: false,
      zimbra: false,
      qbwc: false,
    });
  });

  it('knows every stand-in the file ships with (the list follows the file)', () => {
    const text = fs.readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
    for (const value of envExamplePlaceholders) expect(text, value).toContain(`=${value}\n`);
    for (const key of [
      'QBO_CLIENT_ID',
      'QBO_CLIENT_SECRET',
      'ADDON_AUDIENCE',
      'MIS_DATABASE_URL',
      'ZIMBRA_HOST',
    ]) {
      const value = new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
      expect(isPlaceholder(value), key).toBe(true);
    }
  });

  it('counts real values', () => {
    const config = loadConfig(
      {
        DATA_DIR: tempDir(),
        QBO_CLIENT_ID: 'ABcd1234',
        QBO_CLIENT_SECRET: 'sec',
        MIS_DATABASE_URL: 'mysql://reader@10.0.0.5/mis',
        ZIMBRA_HOST: 'mail.acme.test',
        ZIMBRA_KEY_FILE: '/etc/qb/id',
        ADDON_ALLOWED_EMAILS: 'books@acme.test',
      },
      tempDir(),
    );
    expect(configuredIntegrations(config)).toEqual({
      qbo: true,
      sheets: true,
      mis: true,
      zimbra: true,
      qbwc: false,
    });
  });

  it('derives PUBLIC_URL from the port (never from a request) when unset', () => {
    const unset = loadConfig({ DATA_DIR: tempDir(), PORT: '9123' }, tempDir());
    expect(unset.PUBLIC_URL).toBe('http://localhost:9123');
    expect(unset.publicUrlDerived).toBe(true);
    const set = loadConfig({ DATA_DIR: tempDir(), PUBLIC_URL: 'https://qb.acme.test' }, tempDir());
    expect(set).toMatchObject({ PUBLIC_URL: 'https://qb.acme.test', publicUrlDerived: false });
  });
});
