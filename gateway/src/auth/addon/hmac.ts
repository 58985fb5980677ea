import crypto from 'node:crypto';
import {
  hmacHeaders,
  hmacWindowSeconds,
  signingText,
  splitAddonKey,
} from '../../../../shared/src/sheets/signing';
import type { AppContext } from '../../app/context';

/**
 * HMAC-signed add-on requests (`QB_BRIDGE_AUTH_MODE=hmac`). A key is `qbb_<id>.<secret>`; the add-on signs
 * timestamp, nonce, method, path and body. A request is accepted once: its timestamp must be within
 * ±5 minutes of our clock and its nonce unseen for that key inside the window (nonces are kept until the
 * window has passed, so the table stays small).
 */
export interface AddonKeyInfo {
  keyId: string;
  spreadsheetId: string | null;
}

export function createAddonKey(ctx: AppContext, spreadsheetId?: string): { key: string; info: AddonKeyInfo } {
  const keyId = crypto.randomBytes(6).toString('hex');
  const secret = crypto.randomBytes(32).toString('base64url');
  ctx.db
    .prepare('INSERT INTO addon_keys (id, secret_sealed, spreadsheet_id, created_at) VALUES (?, ?, ?, ?)')
    .run(keyId, ctx.secrets.encrypt(secret), spreadsheetId ?? null, new Date().toISOString());
  return { key: `qbb_${keyId}.${secret}`, info: { keyId, spreadsheetId: spreadsheetId ?? null } };
}

export function revokeAddonKey(ctx: AppContext, keyId: string): boolean {
  return (
    ctx.db
      .prepare('UPDATE addon_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), keyId).changes === 1
  );
}

/** What a client does to sign (the add-on does the same with Apps Script's Utilities). */
export function signRequest(
  key: string,
  request: { method: string; path: string; body: string },
  now = Date.now(),
  nonce = crypto.randomBytes(16).toString('hex'),
): Record<string, string> {
  const parts = splitAddonKey(key);
  if (!parts) throw new Error('not an add-on key');
  const timestamp = String(Math.floor(now / 1000));
  const signature = crypto
    .createHmac('sha256', parts.secret)
    .update(signingText({ timestamp, nonce, ...request }))
    .digest('hex');
  return {
    [hmacHeaders.keyId]: parts.keyId,
    [hmacHeaders.timestamp]: timestamp,
    [hmacHeaders.nonce]: nonce,
    [hmacHeaders.signature]: signature,
  };
}

export type HmacVerdict = { ok: true; key: AddonKeyInfo } | { ok: false; reason: string };

export function verifyHmacRequest(
  ctx: AppContext,
  request: { method: string; path: string; body: string; header: (name: string) => string | undefined },
  nowMs = Date.now(),
): HmacVerdict {
  const keyId = request.header(hmacHeaders.keyId) ?? '';
  const timestamp = request.header(hmacHeaders.timestamp) ?? '';
  const nonce = request.header(hmacHeaders.nonce) ?? '';
  const signature = request.header(hmacHeaders.signature) ?? '';
  if (!/^[a-z0-9]{8,32}$/.test(keyId) || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'malformed signature headers' };
  }
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || !/^[0-9a-f]{64}$/.test(signature)) {
    return { ok: false, reason: 'malformed signature headers' };
  }
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > hmacWindowSeconds) {
    return { ok: false, reason: `timestamp ${Math.round(skew)} s away from the gateway's clock` };
  }
  const row = ctx.db
    .prepare('SELECT secret_sealed, spreadsheet_id, revoked_at FROM addon_keys WHERE id = ?')
    .get(keyId) as
    | { secret_sealed: string; spreadsheet_id: string | null; revoked_at: string | null }
    | undefined;
  if (!row || row.revoked_at) return { ok: false, reason: 'unknown or revoked add-on key' };
  const secret = ctx.secrets.decrypt(row.secret_sealed);
  const expected = crypto
    .createHmac('sha256', secret)
    .update(signingText({ timestamp, nonce, method: request.method, path: request.path, body: request.body }))
    .digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad signature' };
  }
  // Recorded only after the signature checks out: an anonymous flood cannot fill the nonce table.
  const nowSeconds = Math.floor(nowMs / 1000);
  const fresh = ctx.db.transaction(() => {
    ctx.db.prepare('DELETE FROM addon_nonces WHERE expires_at < ?').run(nowSeconds);
    return (
      ctx.db
        .prepare('INSERT OR IGNORE INTO addon_nonces (key_id, nonce, expires_at) VALUES (?, ?, ?)')
        .run(keyId, nonce, Number(timestamp) + hmacWindowSeconds + 1).changes === 1
    );
  })();
  if (!fresh) return { ok: false, reason: 'nonce already used (replayed request)' };
  ctx.db
    .prepare('UPDATE addon_keys SET last_used_at = ? WHERE id = ?')
    .run(new Date(nowMs).toISOString(), keyId);
  return { ok: true, key: { keyId, spreadsheetId: row.spreadsheet_id } };
}
