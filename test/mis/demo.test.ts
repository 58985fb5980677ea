import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { planMisDemo, runMisDemo } from '../../gateway/src/mis/demo';
import { type MisHarness, serverUrl, startMisHarness } from './helpers';

/** The MIS part of `npm run demo`: a throwaway MariaDB (or database) with sample data, synced end to end. */
describe('MIS demo', () => {
  let h: MisHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('with MIS_DATABASE_URL: a throwaway database on that server, synced, dropped at stop', async () => {
    h = await startMisHarness({ seed: false });
    const demo = await planMisDemo({ MIS_DATABASE_URL: serverUrl });
    const name = new URL(demo.url ?? '').pathname.slice(1);
    expect(name).toMatch(/^qbb_demo_/);
    const line = await runMisDemo(h.ctx, demo);
    expect(line).toMatch(/5 invoices synchronized, 4 customers created, 3 failed with a reason/);
    const invoices = h.emulator
      .entities(h.realm, 'Invoice')
      .filter((i) => String(i.DocNumber).startsWith('MIS-'));
    expect(invoices).toHaveLength(5);
    await demo.stop();
    const conn = await mysql.createConnection({ host: new URL(serverUrl).hostname, user: 'root' });
    const [rows] = await conn.query('SHOW DATABASES LIKE ?', [name]);
    await conn.end();
    expect(rows).toHaveLength(0);
  });

  it('without mariadbd or a URL it says in one line how to get one', async () => {
    const demo = await planMisDemo({}, ['/nonexistent']);
    expect(demo.url).toBeNull();
    expect(demo.note).toMatch(/install MariaDB \(`apt-get install mariadb-server`\) or set MIS_DATABASE_URL/);
    expect(await runMisDemo({} as never, demo)).toBe(demo.note);
  });

  it('with mariadbd installed: its own MariaDB server on a loopback port, synced, removed at stop', async () => {
    h = await startMisHarness({ seed: false });
    const demo = await planMisDemo({ PATH: process.env.PATH });
    const line = await runMisDemo(h.ctx, demo);
    expect(line).toMatch(/throwaway MariaDB on 127\.0\.0\.1:\d+.*5 invoices synchronized/);
    await demo.stop();
    const port = Number(new URL(demo.url ?? '').port);
    await expect(
      mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 }),
    ).rejects.toThrow();
  }, 120_000);
});
