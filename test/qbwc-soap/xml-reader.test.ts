import { afterEach, describe, expect, it } from 'vitest';
import { UnsafeXmlError } from '../../gateway/src/qbwc/qbxml/xml-guard';
import {
  maxAttributesPerElement,
  maxNamespaceDeclarationsPerElement,
  readXml,
} from '../../gateway/src/qbwc/qbxml/xml-reader';
import { intuitNs } from '../../gateway/src/qbwc/soap/soap-envelope';
import { type Harness, harness, password, username } from './helpers';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function attributes(count: number, name = (i: number) => `a${i}`): string {
  let out = '';
  for (let i = 0; i < count; i++) out += ` ${name(i)}="x"`;
  return out;
}

function envelope(method: string, methodAttrs: string, inner = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${method} xmlns="${intuitNs}"${methodAttrs}>${inner}</${method}></soap:Body></soap:Envelope>`;
}

function refusal(xml: string): string {
  try {
    readXml(xml, { what: 'The SOAP request' });
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafeXmlError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('the SOAP XML reader (saxes with per-element caps)', () => {
  it('keeps namespaces, xsi:nil, CDATA, entities and character references as before', () => {
    const root = readXml(
      `<?xml version="1.0"?><s:E xmlns:s="urn:s" xmlns:x="urn:x"><x:p x:nil="true" plain="a &amp; b"/><q>one<![CDATA[<two>]]>&#xD;&#x1F642;</q></s:E>`,
    );
    expect(root).toMatchObject({ name: 'E', ns: 'urn:s' });
    expect(root.children[0]).toMatchObject({
      name: 'p',
      ns: 'urn:x',
      attrs: { '{urn:x}nil': 'true', plain: 'a & b' },
    });
    expect(root.children[1]!.text).toBe('one<two>\r🙂');
  });

  it('refuses an element with too many attributes or namespace declarations, whatever their size', () => {
    expect(() => readXml(`<r${attributes(maxAttributesPerElement)}/>`)).not.toThrow();
    expect(refusal(`<r${attributes(maxAttributesPerElement + 1)}/>`)).toMatch(
      `more than ${maxAttributesPerElement} attributes`,
    );
    expect(
      refusal(`<r${attributes(maxNamespaceDeclarationsPerElement + 1, (i) => `xmlns:p${i}`)}/>`),
    ).toMatch(`declares more than ${maxNamespaceDeclarationsPerElement} namespaces`);
    expect(refusal('<r a="1" a="2"/>')).toMatch(/duplicate attribute/);
    expect(refusal('<p:r/>')).toMatch(/unbound namespace prefix/);
    expect(refusal('<r>&nbsp;</r>')).toMatch(/entity/);
    expect(refusal('<r><?php x?></r>')).toMatch(/processing instruction <\?php\?> is not allowed/);
  });

  it('answers 80,000 attributes behind a live ticket with a fault at once (the old reader froze for 38 s)', async () => {
    h = await harness();
    const [ticket] = (
      await h.call('authenticate', [
        ['strUserName', username],
        ['strPassword', password],
      ])
    ).strings;
    const body = envelope(
      'receiveResponseXML',
      '',
      `<ticket>${ticket}</ticket><response${attributes(80_000)}/>`,
    );
    const started = performance.now();
    const response = await h.post(body, { SOAPAction: `"${intuitNs}receiveResponseXML"` });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).toContain(`more than ${maxAttributesPerElement} attributes`);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('refuses an anonymous serverVersion carrying 6,500 attributes instead of answering it', async () => {
    h = await harness();
    const response = await h.post(envelope('serverVersion', attributes(6500)));
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('<faultcode>soap:Client</faultcode>');
  });
});
