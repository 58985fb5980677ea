import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { qbwcRequestBody } from '../../gateway/src/qbwc/play/play-session';
import { sampleHcpResponse } from '../../gateway/src/qbwc/play/sample-responses';
import { escapeXml } from '../../gateway/src/qbwc/qbxml/xml-guard';
import { storeFileName } from '../../gateway/src/store/database';
import { capturingLogger } from '../helpers/context';
import { countRows, type Harness, harness, password, receiveParams, sendParams, username } from './helpers';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const tables = ['qbwc_sync_sessions', 'qbwc_login_attempts', 'qbr_audit_log', 'audit_log'];
const snapshot = (t: Harness) => tables.map((name) => countRows(t.ctx, name));

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><authenticate xmlns="http://developer.intuit.com/"><strUserName>&lol3;</strUserName><strPassword>x</strPassword></authenticate></soap:Body></soap:Envelope>`;

async function faultOf(response: Response): Promise<string> {
  expect(response.status).toBe(500);
  const text = await response.text();
  expect(text).toContain('<faultcode>soap:Client</faultcode>');
  return text;
}

describe('hostile and broken requests', () => {
  it('refuses a DOCTYPE / billion-laughs envelope with a Client fault and stores nothing', async () => {
    h = await harness();
    const before = snapshot(h);
    const text = await faultOf(
      await h.post(billionLaughs, { SOAPAction: '"http://developer.intuit.com/authenticate"' }),
    );
    expect(text).toContain('DOCTYPE');
    const xxe = billionLaughs.replace(
      /<!DOCTYPE[^\]]+\]>/,
      '<!DOCTYPE x [<!ENTITY lol3 SYSTEM "file:///etc/passwd">]>',
    );
    await faultOf(await h.post(xxe));
    expect(snapshot(h)).toEqual(before);
  });

  it('refuses a DTD inside the escaped qbXML response without handing it to the work side', async () => {
    h = await harness();
    const [ticket] = (
      await h.call('authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ])
    ).strings;
    await h.call('sendRequestXML', sendParams(ticket!));
    const inner = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">]><QBXML>&a;&a;</QBXML>';
    expect((await h.call('receiveResponseXML', receiveParams(ticket!, inner))).text).toBe('-1');
    expect(h.calls.received).toHaveLength(0);
    expect((await h.call('getLastError', [['ticket', ticket!]])).text).toMatch(/refused.*DOCTYPE/);
    // The same for the HCP response on a fresh session.
    await h.call('closeConnection', [['ticket', ticket!]]);
    const [t2] = (
      await h.call('authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ])
    ).strings;
    const badHcp = sampleHcpResponse().replace('<QBXML>', '<!DOCTYPE QBXML [<!ENTITY x "y">]><QBXML>');
    expect((await h.call('sendRequestXML', sendParams(t2!, badHcp))).text).toBe('');
    const row = h.ctx.db.prepare('SELECT hcp_response FROM qbwc_sync_sessions WHERE id = 2').get() as {
      hcp_response: unknown;
    };
    expect(row.hcp_response).toBeNull();
  });

  it('answers an oversized body with a SOAP fault the Web Connector can show, and stores nothing', async () => {
    h = await harness({ route: { maxBodyBytes: 64 * 1024 } });
    const before = snapshot(h);
    const huge = qbwcRequestBody('receiveResponseXML', receiveParams('a'.repeat(64), 'x'.repeat(200_000)));
    // with a Content-Length (the Web Connector's way) and streamed without one, on both spellings of the path
    for (const [path, headers] of [
      ['/api/qbwc', { 'Content-Length': String(Buffer.byteLength(huge)) }],
      ['/api/qbwc/', {}],
    ] as const) {
      const response = await h.request(path, {
        method: 'POST',
        body: huge,
        headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers },
      });
      expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      const text = await faultOf(response);
      expect(text).toContain('The request is larger than 0.1 MB, the most qb-bridge accepts');
    }
    expect(snapshot(h)).toEqual(before);
  });

  it('answers the Web Connector at /api/qbwc/ too (a trailing slash is a common AppURL typo)', async () => {
    h = await harness();
    const response = await h.request('/api/qbwc/', {
      method: 'POST',
      body: qbwcRequestBody('authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ]),
      headers: {
        'Content-Type': 'text/xml; charset=utf-8',
        SOAPAction: '"http://developer.intuit.com/authenticate"',
      },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<string>[0-9a-f]{64}<\/string>/);
    expect(await (await h.request('/api/qbwc/?wsdl')).text()).toContain('<wsdl:definitions');
  });

  it('faults on bodies that are not SOAP, unknown methods, wrong namespaces and SOAPAction mismatches', async () => {
    h = await harness();
    await faultOf(await h.post('hello, is this QuickBooks?'));
    await faultOf(await h.post('<html><body>nope</body></html>'));
    await faultOf(
      await h.post('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'),
    );
    expect(await faultOf(await h.post(qbwcRequestBody('deleteEverything', [])))).toContain('Unknown method');
    const wrongNs = qbwcRequestBody('serverVersion', []).replace('http://developer.intuit.com/', 'urn:other');
    await faultOf(await h.post(wrongNs));
    await faultOf(
      await h.post(qbwcRequestBody('serverVersion', []), {
        SOAPAction: '"http://developer.intuit.com/authenticate"',
      }),
    );
    const deep = qbwcRequestBody('serverVersion', []).replace(
      '<soap:Body>',
      `<soap:Body>${'<a>'.repeat(80)}`,
    );
    await faultOf(await h.post(deep));
  });

  it('never writes the password to the log or the store, even on failures', async () => {
    const captured = capturingLogger('debug');
    h = await harness({ log: captured.log });
    const wrong = 'Wrong-Secret-Ngụy-9917';
    for (const pw of [wrong, password]) {
      await h.call('authenticate', [
        ['strUserName', username],
        ['strPassword', pw],
      ]);
    }
    const ticket = h.ctx.db.prepare('SELECT ticket_hint FROM qbwc_sync_sessions').pluck().get() as string;
    expect(ticket).toHaveLength(8);
    const dbPath = path.join(h.ctx.config.dataDir, storeFileName);
    h.ctx.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = Buffer.concat(
      [dbPath, `${dbPath}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    ).toString('latin1');
    for (const secret of [password, wrong]) {
      expect(captured.text()).not.toContain(secret);
      for (const encoding of ['utf8', 'utf16le'] as const) {
        expect(bytes).not.toContain(Buffer.from(secret, encoding).toString('latin1'));
      }
    }
    expect(captured.lines.length).toBeGreaterThan(0);
  });

  it('escapes everything it emits, even hostile text from a company file', async () => {
    h = await harness();
    const [ticket] = (
      await h.call('authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ])
    ).strings;
    await h.call('sendRequestXML', sendParams(ticket!));
    const message = '</getLastErrorResult><injected/>]]>&';
    await h.call('receiveResponseXML', receiveParams(ticket!, '', '0x1', message));
    const response = await h.post(qbwcRequestBody('getLastError', [['ticket', ticket!]]));
    const text = await response.text();
    expect(text).not.toContain('<injected/>');
    expect(text).toContain(escapeXml(message));
  });
});
