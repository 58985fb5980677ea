import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './database';
import { getMeta, setMeta } from './meta';

export const keyFileName = 'secret.key';
const format = 'v1';
const checkPlaintext = 'qb-bridge key check';

/** The key in use cannot open what the store holds: the message says which key to restore. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new SecretKeyError('QB_BRIDGE_SECRET_KEY must decode to exactly 32 bytes');
  return key;
}

/**
 * The 32-byte key: QB_BRIDGE_SECRET_KEY when given, otherwise `$DATA_DIR/secret.key`, generated once with
 * mode 0600 so only the service user can read it.
 */
export function resolveSecretKey(
  dataDir: string,
  configured: string | undefined,
): { key: Buffer; source: string; warning?: string } {
  if (configured) return { key: parseKey(configured), source: 'QB_BRIDGE_SECRET_KEY' };
  const file = path.join(dataDir, keyFileName);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it between our check and write: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = parseKey(fs.readFileSync(file, 'utf8'));
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return { key, source: file };
  const warning = `${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`;
  return { key, source: file, warning };
}

/** AES-256-GCM for values that must never sit in the store in plain text (tokens, passwords). */
export class SecretBox {
  constructor(private readonly key: Buffer) {}

  encrypt(plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      format,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== format || !iv || !tag || body === undefined) {
      throw new SecretKeyError(
        'A stored secret is not in a format qb-bridge wrote; the store may be damaged',
      );
    }
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(
        'A stored secret cannot be decrypted with the current key: restore the QB_BRIDGE_SECRET_KEY ' +
          '(or secret.key) this store was created with',
      );
    }
  }
}

/**
 * Binds a store to its key on first use and checks the binding afterwards, so a wrong key fails at
 * start-up with a clear message instead of producing garbage later.
 */
export function openSecretBox(db: Db, key: Buffer, source: string): SecretBox {
  const box = new SecretBox(key);
  const check = getMeta(db, 'secret_key_check');
  if (check === undefined) {
    setMeta(db, 'secret_key_check', box.encrypt(checkPlaintext));
    return box;
  }
  let opened: string | undefined;
  try {
    opened = box.decrypt(check);
  } catch {
    opened = undefined;
  }
  if (opened !== checkPlaintext) {
    throw new SecretKeyError(
      `The secret key from ${source} is not the key this store was created with; restore the original ` +
        'QB_BRIDGE_SECRET_KEY (or $DATA_DIR/secret.key) — without it stored tokens cannot be read',
    );
  }
  return box;
}
