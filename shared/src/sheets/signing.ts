/**
 * The HMAC request signature the add-on sends in `QB_BRIDGE_AUTH_MODE=hmac` (key from
 * `qb-bridge addon-key`). The add-on signs with `Utilities.computeHmacSha256Signature`, the gateway checks
 * with node:crypto; both build the same text here. The timestamp bounds replay in time, the nonce makes
 * each signature single-use within that window.
 */
export const hmacHeaders = {
  keyId: 'x-qbb-key-id',
  timestamp: 'x-qbb-timestamp',
  nonce: 'x-qbb-nonce',
  signature: 'x-qbb-signature',
} as const;

/** How far a request's timestamp may be from the gateway's clock. */
export const hmacWindowSeconds = 300;

export function signingText(input: {
  timestamp: string;
  nonce: string;
  method: string;
  path: string;
  body: string;
}): string {
  return [input.timestamp, input.nonce, input.method.toUpperCase(), input.path, input.body].join('\n');
}

/** An add-on key as printed: `qbb_<keyId>.<secret>`; the add-on keeps it whole in Document Properties. */
export function splitAddonKey(key: string): { keyId: string; secret: string } | undefined {
  const match = /^qbb_([a-z0-9]{8,32})\.([A-Za-z0-9_-]{32,128})$/.exec(key.trim());
  return match ? { keyId: match[1]!, secret: match[2]! } : undefined;
}

/** Bytes (Apps Script gives signed bytes, -128..127) as lowercase hex. */
export function bytesToHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += ((bytes[i]! + 256) % 256).toString(16).padStart(2, '0');
  return out;
}
