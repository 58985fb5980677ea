import { afterEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../gateway/src/auth/api-tokens';
import { qbwcApiRoutes } from '../../gateway/src/qbwc/routes';
import { defaultSessionPolicy } from '../../gateway/src/qbwc/sessions/sessions';
import { type Harness, harness, password, sendParams, username } from './helpers';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

interface Status {
  active_sync: { session_id: number } | null;
  last_sync: { status: string; completed_at: string | null; error_message: string | null } | null;
  recent_syncs: Array<{
    id: number;
    status: string;
    completed_at: string | null;
    error_message: string | null;
  }>;
}

async function status(t: Harness): Promise<Status> {
  const token = createApiToken(t.ctx.db, 'status-test').token;
  const response = await t.request('/api/qbwc/status', { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Status }).data;
}

async function login(t: Harness): Promise<string> {
  const answer = await t.call('authenticate', [
    ['strUserName', username],
    ['strPassword', password],
  ]);
  return answer.strings[0]!;
}

describe('GET /api/qbwc/status', () => {
  it('shows a session whose Web Connector stopped calling as expired, before any login reaps it', async () => {
    h = await harness({ modules: [qbwcApiRoutes] });
    // the status endpoint reads the real time; the Web Connector last called 40 minutes ago
    h.clock.now = new Date(Date.now() - 40 * 60_000);
    const ticket = await login(h);
    await h.call('sendRequestXML', sendParams(ticket));
    const lastCall = h.clock.now.getTime();

    const seen = await status(h);
    expect(seen.active_sync).toBeNull();
    expect(seen.recent_syncs).toEqual([
      expect.objectContaining({
        id: 1,
        status: 'expired',
        completed_at: new Date(lastCall + defaultSessionPolicy.idleTtlMs).toISOString(),
        error_message: 'The session expired: the Web Connector stopped calling.',
      }),
    ]);
    expect(seen.last_sync).toMatchObject({ status: 'expired' });
    // reading the status changes nothing: the row is still the Web Connector's to expire
    expect(h.ctx.db.prepare('SELECT status FROM qbwc_sync_sessions').pluck().get()).toBe('active');
  });

  it('shows a session that is still being called as the active sync', async () => {
    h = await harness({ modules: [qbwcApiRoutes] });
    h.clock.now = new Date(Date.now() - 60_000);
    const ticket = await login(h);
    await h.call('sendRequestXML', sendParams(ticket));
    const seen = await status(h);
    expect(seen.active_sync).toMatchObject({ session_id: 1 });
    expect(seen.recent_syncs[0]).toMatchObject({ status: 'active', completed_at: null });
    expect(seen.last_sync).toBeNull();
  });
});
