import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../gateway/src/app/context';
import { negotiateQbxmlVersion } from '../../gateway/src/qbwc/qbxml/hcp';
import { buildEmployeeRequest, requestVersion } from '../../gateway/src/qbwc/qbxml/qbxml-build';
import {
  checkLogin,
  hashPassword,
  isSupportedHash,
  resolveCredentials,
  saveCredentials,
  verifyPassword,
} from '../../gateway/src/qbwc/sessions/credentials';
import { testContext } from '../helpers/context';

const cheap = { N: 2 ** 12, r: 8, p: 1 };
let ctx: AppContext | undefined;
afterEach(() => {
  ctx?.close();
  ctx = undefined;
});

describe('Web Connector credentials', () => {
  it('hashes with scrypt in a self-describing format and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse ✓', cheap);
    expect(hash).toMatch(/^scrypt\$4096\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('correct');
    expect(await verifyPassword('correct horse ✓', hash)).toBe(true);
    expect(await verifyPassword('correct horse ✗', hash)).toBe(false);
    expect(await hashPassword('correct horse ✓', cheap)).not.toBe(hash);
    expect(isSupportedHash('scrypt$4097$8$1$AA==$AA==')).toBe(false);
    expect(await verifyPassword('x', 'plain-text-not-a-hash')).toBe(false);
  });

  it("accepts the seed's bcrypt hash from QBWC_PASSWORD_HASH, and the stored hash wins over it", async () => {
    const seedHash = bcrypt.hashSync('seed-password-1', 4).replace(/^\$2a\$/, '$2b$');
    ctx = testContext({ QBWC_USERNAME: 'enersystems_qbr', QBWC_PASSWORD_HASH: seedHash });
    const now = new Date('2026-01-01T00:00:00Z');
    const fromEnv = resolveCredentials(ctx.db, ctx.config);
    expect(fromEnv).toMatchObject({ username: 'enersystems_qbr', source: 'environment' });
    const attempt = { username: 'enersystems_qbr', password: 'seed-password-1' };
    expect(await checkLogin(ctx.db, fromEnv, attempt, now)).toEqual({ ok: true });

    saveCredentials(ctx.db, 'acme', await hashPassword('new-password-22', cheap));
    const fromStore = resolveCredentials(ctx.db, ctx.config);
    expect(fromStore).toMatchObject({ username: 'acme', source: 'store' });
    expect(await checkLogin(ctx.db, fromStore, attempt, now)).toEqual({
      ok: false,
      reason: 'invalid_username',
    });
    expect(
      await checkLogin(ctx.db, fromStore, { username: 'acme', password: 'new-password-22' }, now),
    ).toEqual({
      ok: true,
    });
  });

  it('refuses every login when no password was ever set', async () => {
    ctx = testContext();
    const none = resolveCredentials(ctx.db, ctx.config);
    expect(none.source).toBe('none');
    const result = await checkLogin(ctx.db, none, { username: 'qb-bridge', password: '' }, new Date());
    expect(result).toEqual({ ok: false, reason: 'not_configured' });
  });
});

describe('qbXML version negotiation', () => {
  it('speaks 13.0 unless the Web Connector or QuickBooks supports less, and refuses below 7.0', () => {
    expect(negotiateQbxmlVersion('13', '0', [])).toEqual({ ok: true, version: '13.0' });
    expect(negotiateQbxmlVersion('16', '0', ['13.0', '14.0', '16.0'])).toEqual({ ok: true, version: '13.0' });
    expect(negotiateQbxmlVersion('13', '0', ['8.0', '10.0', '12.0'])).toEqual({ ok: true, version: '12.0' });
    expect(negotiateQbxmlVersion('', '', [])).toEqual({ ok: true, version: '13.0' });
    expect(negotiateQbxmlVersion('6', '1', []).ok).toBe(false);
  });

  it('every version it accepts can be written by the request templates, and both name the same minimum', () => {
    for (const [major, minor] of [
      ['7', '0'],
      ['12', '0'],
      ['13', '0'],
      ['16', '0'],
    ] as const) {
      const choice = negotiateQbxmlVersion(major, minor, []);
      expect(choice.ok).toBe(true);
      if (choice.ok)
        expect(buildEmployeeRequest(requestVersion(choice.version))).toContain('<?qbxml version=');
    }
    const refused = negotiateQbxmlVersion('6', '0', []);
    expect(refused).toMatchObject({
      ok: false,
      error: expect.stringMatching(/needs 7\.0 or later \(QuickBooks 2008/),
    });
    expect(() => requestVersion('6.0')).toThrow(/needs qbXML 7\.0 or later.*QuickBooks Desktop \(2008/);
    // one escaper for everything we emit: the request templates escape like the SOAP answers
    expect(buildEmployeeRequest('13.0"/><x a="')).toContain('version="13.0&quot;/&gt;&lt;x a=&quot;"');
  });
});
