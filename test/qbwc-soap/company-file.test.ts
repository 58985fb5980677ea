import { afterEach, describe, expect, it } from 'vitest';
import { answerSampleRequest, sampleHcpResponse } from '../../gateway/src/qbwc/play/sample-responses';
import { hashPassword, saveCredentials } from '../../gateway/src/qbwc/sessions/credentials';
import { defaultCompanyFileWaitMs } from '../../gateway/src/qbwc/soap/soap-company-file';
import { type Harness, harness, password, receiveParams, sendParams, username } from './helpers';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const bookkeeper = 'bookkeeper-pc2';
const bookkeeperPassword = 'Zweites-Passwört-42';

async function login(t: Harness, user: string, pw: string): Promise<string> {
  const answer = await t.call('authenticate', [
    ['strUserName', user],
    ['strPassword', pw],
  ]);
  expect(answer.strings[1], `login of ${user}`).toBe('');
  return answer.strings[0]!;
}

/**
 * Credentials hold one user name at a time, so the second Web Connector user is made the way an operator
 * would: `set-password` for a new name while the first user's Web Connector is still mid-sync.
 */
async function secondUser(t: Harness): Promise<string> {
  saveCredentials(t.ctx.db, bookkeeper, await hashPassword(bookkeeperPassword, { N: 2 ** 12, r: 8, p: 1 }));
  return login(t, bookkeeper, bookkeeperPassword);
}

/** The ids of the sessions the work side was asked for a request. */
function askedFor(t: Harness): number[] {
  return t.calls.next.map((s) => s.sessionId);
}

describe('one active session per company file', () => {
  it('a second user waits with NoOp while the first finishes, then syncs with its stored HCP facts', async () => {
    h = await harness({ planned: 1 });
    const first = await login(h, username, password);
    const request = await h.call('sendRequestXML', sendParams(first, sampleHcpResponse()));
    expect(request.text).toContain('<QBXML>');

    const second = await secondUser(h);
    const hcp = sampleHcpResponse({ versions: ['11.0', '12.0'] });
    expect((await h.call('sendRequestXML', sendParams(second, hcp))).text).toBe('');
    // qbwc.md §2: "" then getLastError "NoOp" makes the Web Connector pause 5 s and call sendRequestXML again
    expect((await h.call('getLastError', [['ticket', second]])).text).toBe('NoOp');
    h.clock.advance(5_000);
    // QuickBooks sends the HCP response only on the first call of an update
    expect((await h.call('sendRequestXML', sendParams(second))).text).toBe('');
    expect((await h.call('getLastError', [['ticket', second]])).text).toBe('NoOp');
    expect(askedFor(h)).toEqual([1]);

    // the first user's session answers its only request; it just waits for closeConnection now
    const percent = await h.call(
      'receiveResponseXML',
      receiveParams(first, answerSampleRequest(request.text)),
    );
    expect(percent.text).toBe('100');

    h.clock.advance(5_000);
    const own = await h.call('sendRequestXML', sendParams(second));
    expect(own.text).toContain('<QBXML>');
    expect(askedFor(h)).toEqual([1, 2]);
    // negotiated from the HCP response it sent on its first call, not lost while it waited
    expect(h.calls.next[1]!.qbXmlVersion).toBe('12.0');
    const row = h.ctx.db.prepare('SELECT username, company_file FROM qbwc_sync_sessions WHERE id = 2').get();
    expect(row).toEqual({ username: bookkeeper, company_file: sendParams('')[2]![1] });
  });

  it('a second user gets a clear answer naming the first user and start time, and no requests', async () => {
    h = await harness();
    const startedAt = h.clock.now.toISOString();
    const first = await login(h, username, password);
    await h.call('sendRequestXML', sendParams(first)); // QuickBooks is building the first user's report
    h.clock.advance(2 * 60_000);

    const second = await secondUser(h);
    expect((await h.call('sendRequestXML', sendParams(second))).text).toBe('');
    expect((await h.call('getLastError', [['ticket', second]])).text).toBe('NoOp');
    for (let waited = 0; waited <= defaultCompanyFileWaitMs; waited += 5_000) {
      h.clock.advance(5_000);
      // the first session is still working: QuickBooks answers it slowly
      expect((await h.call('sendRequestXML', sendParams(second))).text).toBe('');
    }
    const explained = (await h.call('getLastError', [['ticket', second]])).text;
    expect(explained).toContain(`user "${username}"`);
    expect(explained).toContain(`started ${startedAt}`);
    expect(explained).toMatch(/already updating .*Acme\.QBW; qb-bridge sent no requests/);
    // no report request was ever sent for the second session, and it stays stopped
    expect(askedFor(h)).toEqual([1]);
    expect((await h.call('sendRequestXML', sendParams(second))).text).toBe('');
    expect((await h.call('closeConnection', [['ticket', second]])).text).toMatch(/^Stopped: Another Web/);
    expect(askedFor(h)).toEqual([1]);
    const rows = h.ctx.db.prepare('SELECT username, status FROM qbwc_sync_sessions ORDER BY id').all();
    expect(rows).toEqual([
      { username, status: 'active' },
      { username: bookkeeper, status: 'failed' },
    ]);
  });

  it('a different company file is not held up by the other session', async () => {
    h = await harness();
    const first = await login(h, username, password);
    await h.call('sendRequestXML', sendParams(first));
    const second = await secondUser(h);
    const other = sendParams(second);
    other[2] = ['strCompanyFileName', 'C:\\Company Files\\Other Company.QBW'];
    expect((await h.call('sendRequestXML', other)).text).toContain('<QBXML>');
    expect(askedFor(h)).toEqual([1, 2]);
  });
});
