import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Dashboard, startDashboard } from './helpers';

let d: Dashboard;
beforeAll(async () => {
  d = await startDashboard({ PUBLIC_URL: 'https://bridge.example.com' });
});
afterAll(async () => {
  await d.close();
});

describe('behind https (PUBLIC_URL)', () => {
  it('the session cookie is Secure and __Host- prefixed, and forms from the public origin are accepted', async () => {
    const client = new Client(d.url);
    const token = await client.csrfFrom('/login');
    const r = await client.post(
      '/login',
      { _csrf: token, username: 'alex', password: 'correct horse battery staple' },
      'https://bridge.example.com',
    );
    expect(r.status).toBe(303);
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('__Host-qbb_session='))!;
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    expect((await client.request('/')).status).toBe(200);
    // The plain-http name is not accepted in its place.
    const downgraded = new Client(d.url);
    downgraded.cookies.set('qbb_session', client.cookies.get('__Host-qbb_session')!);
    expect((await downgraded.request('/')).status).toBe(303);
  });
});
