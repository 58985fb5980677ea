import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorFromResponse, parseRetryAfter } from '../../gateway/src/qbo/http/errors';
import { duplicateDocNumberTarget, parseFault } from '../../gateway/src/qbo/http/fault-parse';

const fixture = (name: string) =>
  fs.readFileSync(path.join(__dirname, '../fixtures/qbo-client', name), 'utf8');

describe('fault parser on recorded bodies', () => {
  it('reads a JSON ValidationFault 6140 and names the existing transaction', () => {
    const error = errorFromResponse({ status: 400, body: fixture('fault-6140.json'), intuitTid: 'tid-1' });
    expect(error.faultType).toBe('ValidationFault');
    expect(error.errors).toEqual([
      expect.objectContaining({ code: '6140', message: 'Duplicate Document Number Error', element: '' }),
    ]);
    expect(error.category).toBe('validation');
    expect(error.intuitTid).toBe('tid-1');
    expect(duplicateDocNumberTarget(error.errors[0]!.detail)).toEqual({
      txnId: '45823',
      docNumber: 'O0010714',
      txnType: 'Invoice',
    });
    expect(error.userMessage()).toContain('O0010714 is already used by Invoice 45823');
  });

  it('reads 6240 without an element and explains the shared name space', () => {
    const error = errorFromResponse({ status: 400, body: fixture('fault-6240.json') });
    expect(error.errors[0]).toEqual({
      code: '6240',
      message: 'Duplicate Name Exists Error',
      detail: 'The name supplied already exists. : null',
      element: '',
    });
    expect(error.userMessage()).toMatch(/customer, vendor or employee.*rename one/);
  });

  it('classifies an unsupported operation and an invalid id as bugs, with or without time', () => {
    const unsupported = errorFromResponse({ status: 400, body: fixture('fault-500-unsupported.json') });
    expect(unsupported.code).toBe('500');
    expect(unsupported.category).toBe('bug');
    const invalid = errorFromResponse({ status: 400, body: fixture('fault-2030-no-time.json') });
    expect(invalid.errors[0]).toMatchObject({ code: '2030', element: 'Id' });
    expect(invalid.category).toBe('bug');
    expect(invalid.userMessage()).toContain('qb-bridge bug');
  });

  it('reads the lowercase 401 envelope and never echoes its Detail to the user', () => {
    const error = errorFromResponse({ status: 401, body: fixture('fault-401-lowercase.json') });
    expect(error.faultType).toBe('AUTHENTICATION');
    expect(error.errors[0]).toMatchObject({ code: '3200', detail: 'Token expired: [redacted]', element: '' });
    expect(error.category).toBe('auth');
    expect(error.userMessage()).not.toContain('Token expired');
    expect(error.userMessage()).toContain('authorize-qbo');
  });

  it('drops a token quoted in a 401 Detail from the error, its message and its JSON', () => {
    const body = JSON.stringify({
      fault: {
        error: [
          { message: 'AuthenticationFailed', detail: 'Token expired: eyJraWQi.secret-part', code: '3200' },
        ],
        type: 'AUTHENTICATION',
      },
    });
    const error = errorFromResponse({ status: 401, body });
    expect(error.message).not.toContain('secret-part');
    expect(JSON.stringify(error.toJSON())).not.toContain('secret-part');
    expect(error.errors[0]?.detail).toBe('Token expired: [redacted]');
  });

  it('detects throttling in the XML 429 body, the XML 403 variant and the JSON form', () => {
    for (const [status, file] of [
      [429, 'fault-throttle-429.xml'],
      [403, 'fault-throttle-403.xml'],
      [429, 'fault-throttle-json.json'],
    ] as const) {
      const error = errorFromResponse({ status, body: fixture(file), retryAfter: null });
      expect(error.category, file).toBe('throttled');
      expect(error.errors[0], file).toMatchObject({
        code: '3001',
        detail: 'The request limit was reached.  Try again later',
      });
    }
    expect(parseFault(fixture('fault-throttle-429.xml'))?.faultType).toBe('SERVICE');
  });

  it('reads the misspelled XML AuthorizatonFault as a permission problem', () => {
    const error = errorFromResponse({ status: 403, body: fixture('fault-authorization-120.xml') });
    expect(error.faultType).toBe('AuthorizatonFault');
    expect(error.code).toBe('120');
    expect(error.category).toBe('auth');
    expect(error.userMessage()).not.toContain('QuickBooks Online Plus');
  });

  it('still gets code, element, message and decoded detail out of malformed XML (missing </Error>)', () => {
    const parsed = parseFault(fixture('fault-malformed-validation.xml'));
    expect(parsed?.faultType).toBe('ValidationFault');
    expect(parsed?.errors).toHaveLength(1);
    expect(parsed?.errors[0]).toMatchObject({ code: '6000', element: 'Line' });
    expect(parsed?.errors[0]?.detail).toContain('GST/HST rate & try again');
  });

  it('keeps every error of a multi-error fault, in order', () => {
    const body = JSON.stringify({
      Fault: {
        type: 'ValidationFault',
        Error: [
          { Message: 'a', Detail: 'first', code: '2020', element: 'Line' },
          { Message: 'b', Detail: 'second', code: 2500, element: 'CustomerRef' },
        ],
      },
    });
    const error = errorFromResponse({ status: 400, body });
    expect(error.errors.map((e) => e.code)).toEqual(['2020', '2500']);
  });

  it('turns an HTML 413 page into a fault with a reason and an empty body into a plain status', () => {
    const tooLarge = errorFromResponse({
      status: 413,
      body: '<html><body>413 Request Entity Too Large</body></html>',
    });
    expect(tooLarge.code).toBe('413');
    const unavailable = errorFromResponse({ status: 503, body: '' });
    expect(unavailable.category).toBe('retryable');
    expect(unavailable.userMessage()).toContain('nothing will be duplicated');
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(errorFromResponse({ status: 429, body: '', retryAfter: '3' }).retryAfterSeconds).toBe(3);
  });
});
