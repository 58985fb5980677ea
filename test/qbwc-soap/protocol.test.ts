import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { listQbrAudit } from '../../gateway/src/qbwc/audit/audit';
import { playSession, qbwcRequestBody } from '../../gateway/src/qbwc/play/play-session';
import { answerSampleRequest, sampleHcpResponse } from '../../gateway/src/qbwc/play/sample-responses';
import { escapeXml } from '../../gateway/src/qbwc/qbxml/xml-guard';
import { supersedeGraceMs } from '../../gateway/src/qbwc/sessions/sessions';
import { ensureQwcIdentity } from '../../gateway/src/qbwc/soap/qwc-file';
import {
  countRows,
  type Harness,
  harness,
  password,
  receiveParams,
  sendParams,
  soapResult,
  username,
} from './helpers';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

async function login(t: Harness, pw = password): Promise<string[]> {
  return (
    await t.call('authenticate', [
      ['strUserName', username],
      ['strPassword', pw],
    ])
  ).strings;
}

function sessionRow(t: Harness) {
  return t.ctx.db.prepare('SELECT * FROM qbwc_sync_sessions ORDER BY id DESC LIMIT 1').get() as Record<
    string,
    unknown
  >;
}

describe('Web Connector SOAP protocol (raw envelopes)', () => {
  it('plays a whole session: versions, authenticate, requests, responses, close', async () => {
    h = await harness();
    expect((await h.call('serverVersion')).text).toMatch(/^qb-bridge \d/);
    expect((await h.call('clientVersion', [['strVersion', '2.3.0.215']])).text).toBe('');
    const [ticket, status, delay, every] = await login(h);
    expect(ticket).toMatch(/^[0-9a-f]{64}$/);
    expect([status, delay, every]).toEqual(['', '', '']);

    const first = await h.call('sendRequestXML', sendParams(ticket!, sampleHcpResponse()));
    expect(first.text).toContain('<GeneralSummaryReportQueryRq requestID="pl-2025-01">');
    // A repeated sendRequestXML before the response gets the same request (the work is asked again).
    expect((await h.call('sendRequestXML', sendParams(ticket!))).text).toBe(first.text);
    expect(
      (await h.call('receiveResponseXML', receiveParams(ticket!, answerSampleRequest(first.text)))).text,
    ).toBe('50');
    const second = await h.call('sendRequestXML', sendParams(ticket!));
    expect(second.text).toContain('<EmployeeQueryRq');
    expect(
      (await h.call('receiveResponseXML', receiveParams(ticket!, answerSampleRequest(second.text)))).text,
    ).toBe('100');
    expect((await h.call('closeConnection', [['ticket', ticket!]])).text).toBe('OK: 2 of 2 requests done.');

    const row = sessionRow(h);
    expect(row).toMatchObject({
      username,
      status: 'completed',
      company_file: 'C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Company Files\\Acme.QBW',
      qbxml_version: '13.0',
      queries_total: 2,
      queries_completed: 2,
      current_query_type: 'employees',
      client_version: null,
    });
    expect(row.ticket_hash).not.toBe(ticket);
    expect(zlib.gunzipSync(row.hcp_response as Buffer).toString('utf8')).toContain('QuickBooks Pro 2014');
    expect(h.calls.finished).toEqual([{ sessionId: row.id, outcome: 'completed' }]);
    expect(h.calls.received[0]!.xml).toContain('Café &amp; Meals (Ngụy)');
    const actions = listQbrAudit(h.ctx.db).map((r) => `${r.action}:${r.outcome}`);
    expect(actions).toEqual(['qbwc_sync:success', 'qbwc_auth:success']);
  });

  it('accepts other prefixes, unquoted SOAPAction and escaped text with CR and non-ASCII', async () => {
    h = await harness();
    const [ticket] = await login(h);
    await h.call('sendRequestXML', sendParams(ticket!));
    const response =
      '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><X value="Ngụy &amp; Café&#xD;"/></QBXMLMsgsRs></QBXML>';
    const body = `<?xml version="1.0" encoding="utf-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="http://developer.intuit.com/">
  <SOAP-ENV:Body>
    <tns:receiveResponseXML>
      <tns:ticket>${ticket}</tns:ticket>
      <tns:response>${escapeXml(response).replace('&amp;#xD;', '&amp;#xD;&#xD;')}</tns:response>
      <tns:hresult/><tns:message xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>
    </tns:receiveResponseXML>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>`;
    const res = await h.post(body, { SOAPAction: 'http://developer.intuit.com/receiveResponseXML' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(await res.text()).toContain('<receiveResponseXMLResult>50</receiveResponseXMLResult>');
    expect(h.calls.received[0]!.xml).toBe(`${response.replace('&#xD;', '&#xD;\r')}`);
  });

  it('answers a wrong password and an unknown user with nvu, audited without the password', async () => {
    h = await harness();
    expect(await login(h, 'wrong-password')).toEqual(['', 'nvu', '', '']);
    const unknown = await h.call('authenticate', [
      ['strUserName', 'mallory'],
      ['strPassword', password],
    ]);
    expect(unknown.strings).toEqual(['', 'nvu', '', '']);
    const rows = listQbrAudit(h.ctx.db, { action: 'qbwc_auth' });
    expect(rows.map((r) => [r.actor, r.outcome, r.failureReason])).toEqual([
      ['mallory', 'failure', 'invalid_username'],
      [username, 'failure', 'invalid_password'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('wrong-password');
    expect(countRows(h.ctx, 'qbwc_sync_sessions')).toBe(0);
  });

  it('locks a name out only from the address that guessed, says until when, and only slows the real user', async () => {
    const slept: number[] = [];
    h = await harness({
      env: { TRUST_PROXY: '1' },
      route: { loginSleep: async (ms) => void slept.push(ms) },
    });
    const from = async (ip: string, pw: string) =>
      soapResult(
        await (
          await h!.post(
            qbwcRequestBody('authenticate', [
              ['strUserName', username],
              ['strPassword', pw],
            ]),
            { SOAPAction: '"http://developer.intuit.com/authenticate"', 'X-Forwarded-For': ip },
          )
        ).text(),
        'authenticate',
      ).strings;
    const attacker = '203.0.113.9';
    for (let i = 0; i < 5; i++) {
      expect((await from(attacker, `guess-${i}`))[1]).toBe('nvu');
      h.clock.advance(60_000);
    }
    // the guesser's own address is locked, right password or not, and getLastError says so
    const [refusal, status] = await from(attacker, password);
    expect(status).toBe('nvu');
    expect(refusal).toMatch(/^[0-9a-f]{64}$/);
    expect((await h.call('getLastError', [['ticket', refusal!]])).text).toBe(
      `The Web Connector user "${username}" is locked out from ${attacker} until 2026-03-10 12:19 UTC after 5 wrong passwords. Check the password in the Web Connector, wait until then, or ask the qb-bridge administrator to run \`qb-bridge qbwc unlock --username ${username}\`.`,
    );
    expect(listQbrAudit(h.ctx.db, { action: 'qbwc_auth', limit: 1 })[0]).toMatchObject({
      outcome: 'denied',
      failureReason: 'locked_out',
      details: { lockedUntil: '2026-03-10T12:19:00.000Z', failures: 5 },
    });
    // the real user's Web Connector, elsewhere, still gets in: slowed down, not locked out
    expect(slept).toEqual([]);
    const [ticket, realStatus] = await from('198.51.100.7', password);
    expect(ticket).toMatch(/^[0-9a-f]{64}$/);
    expect(realStatus).toBe('');
    expect(slept).toEqual([1000]);
    await h.call('closeConnection', [['ticket', ticket!]]);
    // and the lock lets go after 15 minutes
    h.clock.advance(16 * 60_000);
    expect((await from(attacker, password))[1]).not.toBe('nvu');
  });

  it('play-session shows why a locked login was refused, not just "refused"', async () => {
    h = await harness();
    for (let i = 0; i < 5; i++) await login(h, `guess-${i}`);
    const result = await playSession({
      url: 'http://gateway.test',
      username,
      password,
      fetchImpl: (input, init) => h!.request(String(input), init),
    });
    expect(result.outcome).toBe('refused');
    expect(result.lastError).toMatch(
      new RegExp(
        `^The Web Connector user "${username}" is locked out until 2026-03-10 12:15 UTC after 5 wrong passwords`,
      ),
    );
  });

  it('a successful login starts the failure count again (the real user is not locked out by old typos)', async () => {
    h = await harness({ planned: 0 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) expect((await login(h, `typo-${round}-${i}`))[1]).toBe('nvu');
      const [ticket, status] = await login(h);
      expect(status).toBe('none'); // in, not locked: 12 failures within the window, but never 5 in a row
      await h.call('closeConnection', [['ticket', ticket!]]);
      h.clock.advance(60_000);
    }
  });

  it('enforces ticket expiry: an idle ticket is refused, explained and its session marked expired', async () => {
    h = await harness();
    const [ticket] = await login(h);
    h.clock.advance(31 * 60_000);
    expect((await h.call('sendRequestXML', sendParams(ticket!))).text).toBe('');
    expect((await h.call('getLastError', [['ticket', ticket!]])).text).toMatch(/expired/);
    expect((await h.call('receiveResponseXML', receiveParams(ticket!, '<QBXML/>'))).text).toBe('-1');
    expect(sessionRow(h)).toMatchObject({ status: 'expired' });
    expect(h.calls.finished).toEqual([{ sessionId: 1, outcome: 'failed' }]);
    expect(h.calls.next).toHaveLength(0);
  });

  it('reaps stale sessions on the next authenticate, freeing the user for a new one', async () => {
    h = await harness();
    const [first] = await login(h);
    expect((await login(h))[1]).toBe('busy');
    h.clock.advance(31 * 60_000);
    const [second, status] = await login(h);
    expect(status).toBe('');
    expect(second).not.toBe(first);
    const statuses = h.ctx.db.prepare('SELECT status FROM qbwc_sync_sessions ORDER BY id').pluck().all();
    expect(statuses).toEqual(['expired', 'active']);
  });

  it('refuses an unknown ticket through the protocol', async () => {
    h = await harness();
    const bogus = 'f'.repeat(64);
    expect((await h.call('sendRequestXML', sendParams(bogus))).text).toBe('');
    expect((await h.call('getLastError', [['ticket', bogus]])).text).toMatch(/unknown ticket/);
    expect((await h.call('receiveResponseXML', receiveParams(bogus, '<QBXML/>'))).text).toBe('-1');
    expect((await h.call('connectionError', [['ticket', bogus]])).text).toBe('done');
  });

  it('takes the hresult error path: negative percent, getLastError explains, session failed', async () => {
    h = await harness();
    const [ticket] = await login(h);
    await h.call('sendRequestXML', sendParams(ticket!));
    const message = 'QuickBooks found an error when parsing the provided XML text stream.';
    const percent = await h.call('receiveResponseXML', receiveParams(ticket!, '', '0x80040400', message));
    expect(Number(percent.text)).toBeLessThan(0);
    expect(h.calls.received[0]).toMatchObject({ xml: '', hresult: '0x80040400', message });
    expect((await h.call('getLastError', [['ticket', ticket!]])).text).toBe(`QuickBooks failed: ${message}`);
    expect((await h.call('closeConnection', [['ticket', ticket!]])).text).toMatch(
      /^Stopped: QuickBooks failed/,
    );
    expect(sessionRow(h)).toMatchObject({ status: 'failed', last_error: `QuickBooks failed: ${message}` });
    expect(h.calls.finished.at(-1)?.outcome).toBe('failed');
  });

  it('records connectionError and answers done', async () => {
    h = await harness();
    const [ticket] = await login(h);
    const answer = await h.call('connectionError', [
      ['ticket', ticket!],
      ['hresult', '0x80040408'],
      ['message', 'Could not start QuickBooks.'],
    ]);
    expect(answer.text).toBe('done');
    expect(sessionRow(h)).toMatchObject({ status: 'failed' });
    expect(String(sessionRow(h).last_error)).toContain('Could not start QuickBooks.');
    expect(listQbrAudit(h.ctx.db, { action: 'qbwc_connection_error' })).toHaveLength(1);
  });

  it('answers none when there is no work, and busy for a second concurrent session', async () => {
    h = await harness({ planned: 0 });
    const [ticket, status, postpone, minRunEvery] = await login(h);
    expect(status).toBe('none');
    // No postpone; QBWC_MIN_INTERVAL_MINUTES defaults to 15, so the Web Connector is told not to run more
    // often than every 900 s.
    expect([postpone, minRunEvery]).toEqual(['', '900']);
    expect((await h.call('closeConnection', [['ticket', ticket!]])).text).toMatch(/Nothing to update/);
    h.close();
    h = await harness();
    const [a] = await login(h);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    // postponed until the first session could be superseded (5 min of quiet), plus a margin
    expect(await login(h)).toEqual(['', 'busy', String(supersedeGraceMs / 1000 + 5), '']);
    expect(listQbrAudit(h.ctx.db, { limit: 1 })[0]).toMatchObject({
      outcome: 'denied',
      failureReason: 'busy',
    });
  });

  it('a new login supersedes a session that only waits for closeConnection; its old ticket is dead', async () => {
    h = await harness({ planned: 1 });
    const [first] = await login(h);
    await h.call('sendRequestXML', sendParams(first!));
    expect((await h.call('receiveResponseXML', receiveParams(first!, '<QBXML/>'))).text).toBe('100');
    // the Web Connector never called closeConnection (crashed, or the PC slept); a minute later it runs again
    h.clock.advance(60_000);
    const [second, status] = await login(h);
    expect(status).toBe('');
    expect(second).toMatch(/^[0-9a-f]{64}$/);
    expect(second).not.toBe(first);
    const rows = h.ctx.db
      .prepare('SELECT id, status, last_error FROM qbwc_sync_sessions ORDER BY id')
      .all() as Array<{ id: number; status: string; last_error: string | null }>;
    expect(rows.map((r) => r.status)).toEqual(['expired', 'active']);
    expect(rows[0]!.last_error).toMatch(/replaced by a newer Web Connector login/);
    expect(h.calls.finished).toEqual([{ sessionId: 1, outcome: 'failed' }]);
    expect(listQbrAudit(h.ctx.db, { action: 'qbwc_sync' })[0]).toMatchObject({
      outcome: 'failure',
      failureReason: 'superseded',
      resource: 'session:1',
      details: expect.objectContaining({ supersededBy: 2 }),
    });
    // the old ticket answers like an expired one and cannot touch the new session
    expect((await h.call('sendRequestXML', sendParams(first!))).text).toBe('');
    expect((await h.call('getLastError', [['ticket', first!]])).text).toMatch(/replaced/);
    expect((await h.call('receiveResponseXML', receiveParams(first!, '<QBXML/>'))).text).toBe('-1');
    await h.call('closeConnection', [['ticket', first!]]);
    expect(sessionRow(h)).toMatchObject({ id: 2, status: 'active' });
    expect((await h.call('sendRequestXML', sendParams(second!))).text).toContain('<QBXML>');
  });

  it('a busy session stays busy during the grace, a quiet one is superseded after it', async () => {
    h = await harness();
    const [first] = await login(h); // logged in, about to ask for its first request
    h.clock.advance(supersedeGraceMs - 60_000);
    // one minute of grace left: the Web Connector is asked to come back just after it
    expect(await login(h)).toEqual(['', 'busy', '65', '']);
    expect(sessionRow(h)).toMatchObject({ id: 1, status: 'active' });
    h.clock.advance(2 * 60_000);
    const [second, status] = await login(h);
    expect(status).toBe('');
    expect(second).toMatch(/^[0-9a-f]{64}$/);
    expect((await h.call('sendRequestXML', sendParams(first!))).text).toBe('');
    expect(h.calls.finished).toEqual([{ sessionId: 1, outcome: 'failed' }]);
  });

  it('a login while a response is awaited supersedes that session at once (the Web Connector restarted)', async () => {
    h = await harness();
    const [first] = await login(h);
    await h.call('sendRequestXML', sendParams(first!)); // QuickBooks is building the report…
    h.clock.advance(30_000); // …when the Web Connector is restarted and runs again
    const [second, status] = await login(h);
    expect(status).toBe('');
    expect(second).toMatch(/^[0-9a-f]{64}$/);
    const rows = h.ctx.db
      .prepare('SELECT status, last_error FROM qbwc_sync_sessions ORDER BY id')
      .all() as Array<{ status: string; last_error: string | null }>;
    expect(rows.map((r) => r.status)).toEqual(['expired', 'active']);
    expect(rows[0]!.last_error).toMatch(/replaced by a newer Web Connector login/);
    // the report QuickBooks finally sends on the old ticket is refused, not stored
    expect((await h.call('receiveResponseXML', receiveParams(first!, '<QBXML/>'))).text).toBe('-1');
    expect(h.calls.received).toHaveLength(0);
    expect(h.calls.finished).toEqual([{ sessionId: 1, outcome: 'failed' }]);
    expect((await h.call('sendRequestXML', sendParams(second!))).text).toContain('<QBXML>');
  });

  it('negotiates the qbXML version down and refuses one that is too old', async () => {
    h = await harness();
    const [t1] = await login(h);
    await h.call(
      'sendRequestXML',
      sendParams(t1!, sampleHcpResponse({ versions: ['1.0', '8.0', '12.0'] }), '13', '0'),
    );
    expect(h.calls.next.at(-1)?.qbXmlVersion).toBe('12.0');
    await h.call('closeConnection', [['ticket', t1!]]);
    const [t2] = await login(h);
    expect((await h.call('sendRequestXML', sendParams(t2!, '', '6', '0'))).text).toBe('');
    expect((await h.call('getLastError', [['ticket', t2!]])).text).toMatch(/qbXML 6\.0.*needs 7\.0/);
  });

  it('checks the FileID QuickBooks reports against the one in our QWC file', async () => {
    h = await harness();
    const identity = ensureQwcIdentity(h.ctx.db);
    const [t1] = await login(h);
    const good = sampleHcpResponse({ ownerId: identity.ownerId.toLowerCase(), fileId: identity.fileId });
    expect((await h.call('sendRequestXML', sendParams(t1!, good))).text).toContain('<QBXML>');
    await h.call('closeConnection', [['ticket', t1!]]);
    const [t2] = await login(h);
    const other = sampleHcpResponse({
      ownerId: identity.ownerId,
      fileId: '{00000000-1111-2222-3333-444444444444}',
    });
    expect((await h.call('sendRequestXML', sendParams(t2!, other))).text).toBe('');
    expect((await h.call('getLastError', [['ticket', t2!]])).text).toMatch(/different qb-bridge QWC file/);
  });

  it('answers the interactive methods and getServerVersion without faults', async () => {
    h = await harness();
    expect(
      (
        await h.call('getInteractiveURL', [
          ['wcTicket', 'x'],
          ['sessionID', 'y'],
        ])
      ).text,
    ).toBe('');
    expect((await h.call('interactiveDone', [['wcTicket', 'x']])).text).toBe('Done');
    expect(
      (
        await h.call('interactiveRejected', [
          ['wcTicket', 'x'],
          ['reason', 'no'],
        ])
      ).text,
    ).not.toBe('');
    expect((await h.call('getServerVersion', [['ticket', 'x']])).text).toMatch(/^qb-bridge/);
    expect((await h.call('clientVersion', [['strVersion', '1.5.0.0']])).text).toBe('O:2.0');
    expect((await h.call('clientVersion', [['strVersion', '2.0.1.30']])).text).toMatch(/^W:/);
  });
});
