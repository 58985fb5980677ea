import fs from 'node:fs';
import path from 'node:path';
import { html } from 'hono/html';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeModules } from '../../gateway/src/server/routes';
import type { DashboardPage } from '../../gateway/src/web/page-module';
import { dashboardPages } from '../../gateway/src/web/pages';
import { createWebRoutes, webRoutes } from '../../gateway/src/web/routes';
import { repoRoot } from '../helpers/cli';
import { Client, type Dashboard, startDashboard } from './helpers';

/** What a flow folder would write: a page built only on the page-module contract. */
const samplePage: DashboardPage = {
  name: 'sample',
  nav: { label: 'Sample flow', path: '/sample' },
  flow: 'sample',
  configured: () => true,
  register(kit) {
    kit.get('/sample', (c) =>
      kit.render(c, {
        title: 'Sample flow',
        body: html`<form method="post" action="/sample/run">${kit.csrfField(c)}<button type="submit">Run</button></form>`,
      }),
    );
    kit.post('/sample/run', async (c) => {
      const form = await kit.form(c);
      return kit.redirect(c, '/sample', {
        kind: 'ok',
        text: `Started by ${kit.user(c)} (${Object.keys(form).length} fields)`,
      });
    });
  },
};

let d: Dashboard;
beforeAll(async () => {
  const modules = [
    ...routeModules.filter((m) => m !== webRoutes),
    createWebRoutes([...dashboardPages, samplePage]),
  ];
  d = await startDashboard({}, { modules });
});
afterAll(async () => {
  await d.close();
});

describe('a flow adds its own dashboard page', () => {
  it('gets the login, the page headers, the layout and navigation, CSRF on its forms, and its Overview card link', async () => {
    const anon = new Client(d.url);
    expect((await anon.request('/sample')).status).toBe(303);
    const client = new Client(d.url);
    await client.login();
    const page = await client.request('/sample');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('<a href="/sample" aria-current="page">Sample flow</a>');
    expect((await client.post('/sample/run', {})).status).toBe(403);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const ran = await client.post('/sample/run', { _csrf: csrf });
    expect(ran.status).toBe(303);
    expect(await (await client.request('/sample')).text()).toContain('Started by alex (1 fields)');
    d.ctx.jobs.finish(d.ctx.jobs.start({ flow: 'sample', startedBy: 'test' }).id, { synced: 2 });
    const overview = await (await client.request('/')).text();
    expect(overview).toMatch(/data-flow="sample"[\s\S]*?configured[\s\S]*?href="\/sample"/);
  });
});

describe('the boundary', () => {
  it('flow folders import nothing from web/ but the page-registration type', () => {
    const offenders: string[] = [];
    for (const flow of ['sheets', 'mis', 'zimbra', 'qbwc']) {
      const dir = path.join(repoRoot, 'gateway/src', flow);
      if (!fs.existsSync(dir)) continue;
      for (const file of fs.readdirSync(dir, { recursive: true }) as string[]) {
        if (!/\.tsx?$/.test(file)) continue;
        const text = fs.readFileSync(path.join(dir, file), 'utf8');
        for (const m of text.matchAll(/from\s+'((?:\.\.\/)+web\/[^']+)'/g)) {
          if (!/web\/page-module$/.test(m[1]!)) offenders.push(`${flow}/${file}: ${m[1]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
