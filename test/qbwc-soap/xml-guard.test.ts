import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { listQbrAudit, recordQbrAudit } from '../../gateway/src/qbwc/audit/audit';
import { parseEmployeeResponse, QbXmlParseError } from '../../gateway/src/qbwc/qbxml/qbxml-parse';
import { assertSafeXml, escapeXml, UnsafeXmlError } from '../../gateway/src/qbwc/qbxml/xml-guard';
import { readXml } from '../../gateway/src/qbwc/qbxml/xml-reader';
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
    expect(reason(() => readXml(laughs))).toBe('dtd');
    expect(() => parseEmployeeResponse(laughs)).toThrow(QbXmlParseError);
    expect(reason(() => assertSafeXml('<QBXML><QBXMLMsgsRs/></QBXML>'))).toBeUndefined();
  });

  it('rejects oversized input by length alone', () => {
    expect(reason(() => assertSafeXml(`<a>${'x'.repeat(200)}</a>`, { maxChars: 100 }))).toBe('too_large');
  });

  it('decodes only the predefined entities and numeric references, keeping CR and non-ASCII', () => {
    expect(readXml('<r>a &lt;b&gt; &amp;amp; &quot;&apos; &#65;&#x42;&#xD;&#xA; Ngụy 東京</r>').text).toBe(
      'a <b> &amp; "\' AB\r\n Ngụy 東京',
    );
    expect(reason(() => readXml('<r>&nbsp;</r>'))).toBe('malformed');
    expect(reason(() => readXml('<r>&#0;</r>'))).toBe('malformed');
    expect(reason(() => readXml('<r>Profit & Loss</r>'))).toBe('malformed');
  });

  it('reads qbXML values as exact strings', () => {
    const parsed = parseEmployeeResponse(
      '<QBXML><QBXMLMsgsRs><EmployeeQueryRs statusCode="0" statusSeverity="Info"><EmployeeRet><ListID> 007 </ListID><IsActive>FALSE</IsActive></EmployeeRet><EmployeeRet><ListID>80000.00</ListID></EmployeeRet></EmployeeQueryRs></QBXMLMsgsRs></QBXML>',
    );
    expect(parsed.employees).toEqual([
      { listId: '007', isActive: false },
      { listId: '80000.00', isActive: true },
    ]);
  });

  it('refuses deep nesting', () => {
    const deep = `${'<a>'.repeat(100)}x${'</a>'.repeat(100)}`;
    expect(reason(() => readXml(deep))).toBe('too_deep');
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
