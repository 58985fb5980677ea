import { afterAll, describe, expect, it } from 'vitest';
import { type Demo, demoBanner, startDemo } from '../../gateway/src/demo/demo';
import { createLogger } from '../../gateway/src/log/logger';
import { tempDir } from '../helpers/context';
import { Client } from './helpers';

let demo: Demo | undefined;
afterAll(async () => {
  await demo?.stop();
});

describe('npm run demo opens into a populated dashboard', { timeout: 60_000 }, () => {
  it('prints the dashboard URL and a login that works, and the pages show the demo data', async () => {
    demo = await startDemo({ env: {}, cwd: tempDir(), port: 0, log: createLogger({ level: 'silent' }) });
    const banner = demoBanner(demo);
    const [, url, username, password] = /Dashboard\s+(\S+)\s+\(log in as (\S+) \/ (\S+)\)/.exec(banner)!;
    expect(url).toBe(`${demo.gateway.url}/`);
    const client = new Client(url!);
    expect((await client.login(username, password)).status).toBe(303);
    const overview = await (await client.request('/')).text();
    expect(overview).toContain(demo.company.realmId);
    expect(overview).toMatch(/data-field="status">connected</);
    const wc = await (await client.request('/web-connector')).text();
    expect(wc).toContain('id="qbr-metrics"');
  });
});
