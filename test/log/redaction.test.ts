import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../helpers/context';

const token = 'eyJraWQiOiJPUElDT0RFIiwiYWxnIjoiUlMyNTYifQ.secret-access-value';
const refresh = 'AB11744470912sGzRefreshValue';

describe('log redaction', () => {
  it('keeps token values out of every log line, however they are passed', () => {
    const { log, text, lines } = capturingLogger();
    log.info({ headers: { Authorization: `Bearer ${token}`, accept: 'application/json' } }, 'outgoing');
    log.info({ tokens: { access_token: token, refresh_token: refresh }, realmId: '123' }, 'stored');
    log.info(
      { response: { body: { x_refresh_token_expires_in: 8726400, refresh_token: refresh } } },
      'refreshed',
    );
    log.warn(`retrying GET /v3/company/1/query?access_token=${token}&minorversion=75`);
    log.error({ err: new Error(`401 for Bearer ${token}`) }, 'failed');
    log.info({ config: { QBO_CLIENT_SECRET: 'cs-very-secret', qbwcPassword: 'pw-1' } }, 'config');
    log.info({ list: [{ apiKey: 'k-123' }], nested: { deeper: { clientSecret: 'cs-2' } } }, 'deep');
    log.warn({ mis: 'mysql://reader:pw-in-url@127.0.0.1:3306/mis' }, 'MIS unreachable');
    log
      .child({ realmId: '123', accessToken: token })
      .child({ flow: 'sheets', refreshToken: refresh })
      .info('bound to a child logger');
    const output = text();
    expect(lines).toHaveLength(9);
    expect(output).toContain('"realmId":"123","accessToken":"[REDACTED]","flow":"sheets"');
    for (const secret of [
      token,
      refresh,
      'cs-very-secret',
      'pw-1',
      'k-123',
      'cs-2',
      'secret-access-value',
      'pw-in-url',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[REDACTED]');
  });

  it('keeps the parts of a log line that are not secret', () => {
    const { log, lines } = capturingLogger();
    log.info(
      { realmId: '9130', intuit_tid: '1-abc', operation: 'create Invoice', access_token: token },
      'call',
    );
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      realmId: '9130',
      intuit_tid: '1-abc',
      operation: 'create Invoice',
      msg: 'call',
    });
    expect(line.access_token).toBe('[REDACTED]');
    expect(line.level).toBe('info');
  });
});
