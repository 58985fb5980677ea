import { afterEach, describe, expect, it } from 'vitest';
import { listQbrAudit } from '../../gateway/src/qbwc/audit/audit';
import { qbwcRequestBody } from '../../gateway/src/qbwc/play/play-session';
import { intuitNs } from '../../gateway/src/qbwc/soap/soap-envelope';
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

const tables = ['qbwc_sync_sessions', 'qbwc_login_attempts', 'qbr_audit_log', 'audit_log'];
const snapshot = (t: Harness) => tables.map((name) => countRows(t.ctx, name));

/** A qbXML response of about `chars` characters once escaped into the envelope (every `<`/`>` doubles it). */
function bigResponse(chars: number): string {
  const row = '<DataRow rowNumber="1"><ColData colID="1" value="Café &amp; Meals (Ngụy)"/></DataRow>';
  const rows = Math.ceil(chars / (row.length * 1.6));
  return `<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><GeneralSummaryReportQueryRs requestID="pl-2025-01" statusCode="0" statusSeverity="Info" statusMessage="Status OK"><ReportRet><ReportData>${row.repeat(rows)}</ReportData></ReportRet></GeneralSummaryReportQueryRs></QBXMLMsgsRs></QBXML>`;
}

async function postReceive(t: Harness, ticket: string, response: string) {
  const body = qbwcRequestBody('receiveResponseXML', receiveParams(ticket, response));
  const res = await t.post(body, { SOAPAction: `"${intuitNs}receiveResponseXML"` });
  return { res, body };
}

async function login(t: Harness): Promise<string> {
  const answer = await t.call('authenticate', [
    ['strUserName', username],
    ['strPassword', password],
  ]);
  return answer.strings[0]!;
}

describe('large bodies before authentication', () => {
  it('answers a ~20 MB receiveResponseXML with an unknown ticket with -1 and stores nothing', async () => {
    h = await harness();
    await login(h); // a real session exists; the big body does not belong to it
    const before = snapshot(h);
    const unknown = 'e'.repeat(64);
    const { res, body } = await postReceive(h, unknown, bigResponse(20 * 1024 * 1024));
    expect(body.length).toBeGreaterThan(19 * 1024 * 1024);
    expect(res.status).toBe(200);
    expect(soapResult(await res.text(), 'receiveResponseXML').text).toBe('-1');
    expect(snapshot(h)).toEqual(before);
    expect(h.calls.received).toHaveLength(0);
    expect((await h.call('getLastError', [['ticket', unknown]])).text).toMatch(/unknown ticket/);
  });

  it('answers a big body on an expired ticket as expired, without handing it to the work side', async () => {
    h = await harness();
    const ticket = await login(h);
    await h.call('sendRequestXML', sendParams(ticket));
    h.clock.advance(31 * 60_000);
    const { res } = await postReceive(h, ticket, bigResponse(2 * 1024 * 1024));
    expect(soapResult(await res.text(), 'receiveResponseXML').text).toBe('-1');
    expect(h.calls.received).toHaveLength(0);
    expect(h.ctx.db.prepare('SELECT status FROM qbwc_sync_sessions').pluck().get()).toBe('expired');
  });

  it('faults on a big body that does not show a ticket near its start, storing nothing', async () => {
    h = await harness();
    const before = snapshot(h);
    const ticket = 'e'.repeat(64);
    // the response before the ticket: not how the Web Connector writes it
    const body = qbwcRequestBody('receiveResponseXML', [
      ['response', bigResponse(1024 * 1024)],
      ['ticket', ticket],
    ]);
    const res = await h.post(body);
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/<faultcode>soap:Client<\/faultcode>.*with its &lt;ticket&gt; first/);
    expect(snapshot(h)).toEqual(before);
  });

  it('still decodes a big response for a live ticket, all of it', async () => {
    h = await harness();
    const ticket = await login(h);
    await h.call('sendRequestXML', sendParams(ticket));
    const response = bigResponse(3 * 1024 * 1024);
    const { res } = await postReceive(h, ticket, response);
    expect(soapResult(await res.text(), 'receiveResponseXML').text).toBe('50');
    expect(h.calls.received).toHaveLength(1);
    expect(h.calls.received[0]!.xml).toBe(response);
    expect(listQbrAudit(h.ctx.db, { action: 'qbwc_auth' })).toHaveLength(1);
  });
});
