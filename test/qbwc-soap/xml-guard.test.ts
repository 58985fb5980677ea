import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { listQbrAudit, recordQbrAudit } from '../../gateway/src/qbwc/audit/audit';
import {
  assertSafeXml,
  decodeXmlEntities,
  escapeXml,
  parseUntrustedXml,
  UnsafeXmlError,
} from '../../gateway/src/qbwc/qbxml/xml-guard';
import { testContext } from '../helpers/context';

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof UnsafeXmlError ? error.reason : `other: ${String(error)}`;
  }
  return undefined;
}

describe('xml-guard', () => {
  it('rejects any DTD or entity declaration before parsing, whatever the case or spacing', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><QBXML>&lol2;</QBXML>';
    expect(reason(() => assertSafeXml(laughs))).toBe('dtd');
    expect(reason(() => assertSafeXml('<!doctype x><x/>'))).toBe('dtd');
    expect(reason(() => assertSafeXml('<x><! ENTITY y "z"></x>'))).toBe('dtd');
    expect(reason(() => parseUntrustedXml(laughs))).toBe('dtd');
    expect(reason(() => assertSafeXml('<QBXML><QBXMLMsgsRs/></QBXML>'))).toBeUndefined();
  });

  it('rejects oversized input by length alone', () => {
    expect(reason(() => assertSafeXml(`<a>${'x'.repeat(200)}</a>`, { maxChars: 100 }))).toBe('too_large');
  });

  it('decodes only the predefined entities and numeric references, keeping CR and non-ASCII', () => {
    expect(decodeXmlEntities('a &lt;b&gt; &amp;amp; &quot;&apos; &#65;&#x42;&#xD;&#xA; Ngụy 東京')).toBe(
      'a <b> &amp; "\' AB\r\n Ngụy 東京',
    );
    expect(reason(() => decodeXmlEntities('&nbsp;'))).toBe('malformed');
    expect(reason(() => decodeXmlEntities('&#0;'))).toBe('malformed');
    expect(reason(() => decodeXmlEntities('Profit & Loss'))).toBe('malformed');
  });

  it('parses qbXML with exact string values and attributes', () => {
    const parsed = parseUntrustedXml(
      '<QBXML><Rs statusCode="0"><ListID>007</ListID><Amt>80000.00</Amt><T>Profit &amp; Loss &#xD;</T></Rs></QBXML>',
    ) as { QBXML: { Rs: Record<string, string> } };
    expect(parsed.QBXML.Rs).toEqual({
      statusCode: '0',
      ListID: '007',
      Amt: '80000.00',
      T: 'Profit & Loss \r',
    });
  });

  it('refuses deep nesting', () => {
    const deep = `${'<a>'.repeat(100)}x${'</a>'.repeat(100)}`;
    expect(reason(() => parseUntrustedXml(deep))).toBe('too_deep');
  });

  it('escapes output and replaces characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0001\uD800ok 🙂`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;\uFFFD\uFFFDok 🙂',
    );
  });
});

describe('qbr audit log', () => {
  let ctx: AppContext | undefined;
  afterEach(() => ctx?.close());

  it('records rows and drops secret-looking detail keys', () => {
    ctx = testContext();
    recordQbrAudit(ctx.db, {
      actor: 'acme-qbwc',
      action: 'qbwc_auth',
      outcome: 'failure',
      failureReason: 'invalid_password',
      details: { password: 'hunter2', nested: { token: 'abc', kept: 1 }, ticketHint: 'deadbeef' },
      ipAddress: '127.0.0.1',
    });
    const [row] = listQbrAudit(ctx.db, { action: 'qbwc_auth' });
    expect(row).toMatchObject({
      actor: 'acme-qbwc',
      outcome: 'failure',
      failureReason: 'invalid_password',
      ipAddress: '127.0.0.1',
      details: { nested: { kept: 1 }, ticketHint: 'deadbeef' },
    });
    expect(JSON.stringify(row)).not.toContain('hunter2');
  });
});
