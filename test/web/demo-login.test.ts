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
    // The MIS part on a throwaway database of the test server (quicker than starting a MariaDB of its own).
    const env = { MIS_DATABASE_URL: process.env.MIS_TEST_DATABASE_URL || 'mysql://root@127.0.0.1:3306/' };
    demo = await startDemo({ env, cwd: tempDir(), port: 0, log: createLogger({ level: 'silent' }) });
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
    const zimbra = await (await client.request('/zimbra')).text();
    expect(zimbra).toMatch(
      new RegExp(`data-month="${demo.zimbra.period}"[\\s\\S]*?data-field="run-status">success<`),
    );
    expect(zimbra).toContain('data-domain="newclient.io"');
    expect(await demo.mis).toMatch(/5 invoices synchronized/);
    const mis = await (await client.request('/mis')).text();
    expect(mis).toMatch(/data-stat="synced"[^>]*>5</);
    expect(mis).toMatch(/data-field="outcome">5 of 8 synchronized/);
    const cards = await (await client.request('/')).text();
    expect(cards).toMatch(/data-flow="mis"[\s\S]*?Open MIS sync/);
  });
});
