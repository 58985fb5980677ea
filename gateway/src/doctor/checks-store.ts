import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config/load';
import { configuredIntegrations } from '../config/require';
import { describeConnection, listTokenRows } from '../qbo/index';
import { isSupportedHash, resolveCredentials } from '../qbwc/sessions/credentials';
import { allMigrations } from '../store/all-migrations';
import type { Db } from '../store/database';
import { getMeta } from '../store/meta';
import { migrationId } from '../store/migrations';
import { openSecretBox, resolveSecretKey, SecretKeyError } from '../store/secrets';
import { type CheckResult, fail, ok, skip, warn } from './check';

/**
 * The checks that read the store: its migrations, the secret key that opens it, and what each integration
 * keeps there. The doctor opens the store read-only and never migrates or binds a key: looking must not
 * change what is looked at.
 */

export function openStoreReadOnly(storeFile: string): Db | undefined {
  if (!fs.existsSync(storeFile)) return undefined;
  return new Database(storeFile, { readonly: true, fileMustExist: true });
}

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

export function checkStore(db: Db | undefined, storeFile: string): CheckResult {
  const id = 'store';
  if (!db) {
    return warn(
      id,
      `there is no store at ${storeFile} yet`,
      'run `qb-bridge migrate` (serve also creates it at the first start)',
    );
  }
  const applied = hasTable(db, 'schema_migrations')
    ? new Set(
        db
          .prepare('SELECT id FROM schema_migrations')
          .pluck()
          .all()
          .map((v) => String(v)),
      )
    : new Set<string>();
  const known = new Set(allMigrations.map(migrationId));
  const unknown = [...applied].filter((m) => !known.has(m));
  if (unknown.length > 0) {
    return fail(
      id,
      `the store was migrated by a newer qb-bridge (${unknown.join(', ')} unknown to this version)`,
      'run the newer version, or restore a backup taken before the upgrade',
    );
  }
  const pending = [...known].filter((m) => !applied.has(m));
  if (pending.length > 0) {
    return warn(
      id,
      `${pending.length} store migration${pending.length === 1 ? '' : 's'} pending (${pending.slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''})`,
      'take a backup (`qb-bridge backup`, and keep secret.key with it), then run `qb-bridge migrate` (serve also applies them at start)',
    );
  }
  return ok(id, `store ${storeFile} is at schema version ${applied.size}, nothing pending`);
}

export function checkSecretKey(config: Config, db: Db | undefined): CheckResult {
  const id = 'secret-key';
  const keyFile = path.join(config.dataDir, 'secret.key');
  const bound = db !== undefined && hasTable(db, 'meta') && getMeta(db, 'secret_key_check') !== undefined;
  if (!config.QB_BRIDGE_SECRET_KEY && !fs.existsSync(keyFile)) {
    return bound
      ? fail(
          id,
          `the store is encrypted with a key, but ${keyFile} is missing and QB_BRIDGE_SECRET_KEY is not set`,
          'restore secret.key from where it was kept with the store backups, or set QB_BRIDGE_SECRET_KEY to it',
        )
      : ok(id, `no key yet: ${keyFile} is generated at the first start; back it up with the store`);
  }
  let resolved: ReturnType<typeof resolveSecretKey>;
  try {
    resolved = resolveSecretKey(config.dataDir, config.QB_BRIDGE_SECRET_KEY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      id,
      code === 'EACCES'
        ? `${keyFile} is not readable by this user`
        : `the secret key cannot be used: ${(error as Error).message}`,
      code === 'EACCES'
        ? `run qb-bridge as the service user, or \`chown qb-bridge: ${keyFile}\``
        : 'set QB_BRIDGE_SECRET_KEY to 64 hex digits (`openssl rand -hex 32`) or restore secret.key',
    );
  }
  if (bound && db) {
    try {
      openSecretBox(db, resolved.key, resolved.source);
    } catch (error) {
      if (!(error instanceof SecretKeyError)) throw error;
      return fail(
        id,
        `the key from ${resolved.source} does not open this store: stored tokens and passwords cannot be read`,
        'restore the QB_BRIDGE_SECRET_KEY or secret.key this store was created with (kept with its backups)',
      );
    }
  }
  if (resolved.warning) return warn(id, resolved.warning, `chmod 600 ${keyFile}`);
  return ok(
    id,
    bound
      ? `the key from ${resolved.source} opens the store`
      : `the key from ${resolved.source} is readable; the store is bound to it at the first start`,
  );
}

export function checkQuickBooks(config: Config, db: Db | undefined, nowMs: number): CheckResult {
  const id = 'quickbooks';
  if (!configuredIntegrations(config).qbo) {
    return skip(
      id,
      'QuickBooks Online is not configured',
      'set QBO_CLIENT_ID and QBO_CLIENT_SECRET from the Intuit developer portal, then `qb-bridge authorize-qbo`',
    );
  }
  const connect = 'run `qb-bridge authorize-qbo` (or open /qbo/connect) to connect a company';
  if (!db || !hasTable(db, 'qbo_tokens')) return warn(id, 'no QuickBooks company is connected yet', connect);
  const companies = listTokenRows(db)
    .map((row) => describeConnection(row, nowMs))
    .filter((c) => c.status !== 'disconnected');
  if (companies.length === 0) return warn(id, 'no QuickBooks company is connected', connect);
  const name = (c: (typeof companies)[number]) =>
    `"${c.companyName ?? 'unnamed company'}" (realm ${c.realmId})`;
  const broken = companies.filter((c) => c.status === 'reconnect_needed');
  if (broken.length > 0) {
    return fail(id, broken.flatMap((c) => c.warnings).join('; '), connect);
  }
  const warned = companies.filter((c) => c.warnings.length > 0);
  if (warned.length > 0) {
    return warn(
      id,
      warned.map((c) => `${name(c)}: ${c.warnings.join('; ')}`).join('; '),
      'reconnect before the date shown (`qb-bridge authorize-qbo`)',
    );
  }
  return ok(
    id,
    companies
      .map((c) => `${name(c)} connected, refresh token valid until ${c.refreshExpiresAt?.slice(0, 10)}`)
      .join('; '),
  );
}

export function checkWebConnector(config: Config, db: Db | undefined): CheckResult {
  const id = 'qbwc';
  const credentials =
    db && hasTable(db, 'meta')
      ? resolveCredentials(db, config)
      : {
          username: config.QBWC_USERNAME,
          passwordHash: config.QBWC_PASSWORD_HASH,
          source: config.QBWC_PASSWORD_HASH ? 'environment' : 'none',
        };
  if (!credentials.passwordHash) {
    return skip(
      id,
      'no Web Connector password is set (needed only with QuickBooks Desktop)',
      'run `qb-bridge qbwc set-password --generate` and type the password into the Web Connector',
    );
  }
  const where = credentials.source === 'store' ? 'the store' : 'QBWC_PASSWORD_HASH';
  if (!isSupportedHash(credentials.passwordHash)) {
    return fail(
      id,
      `the Web Connector password hash in ${where} is not a scrypt or bcrypt hash, so every login is refused`,
      'run `qb-bridge qbwc set-password --generate` (and clear QBWC_PASSWORD_HASH)',
    );
  }
  return ok(id, `Web Connector password set for user "${credentials.username}" (in ${where})`);
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function checkAddon(config: Config, db: Db | undefined): CheckResult {
  const id = 'addon';
  const audiences = list(config.ADDON_AUDIENCE);
  const allowed = list(config.ADDON_ALLOWED_EMAILS);
  const keys =
    db && hasTable(db, 'addon_keys')
      ? Number(db.prepare('SELECT COUNT(*) FROM addon_keys WHERE revoked_at IS NULL').pluck().get())
      : 0;
  const keyText = keys > 0 ? `; ${keys} add-on key${keys === 1 ? '' : 's'} active` : '';
  if (audiences.length > 0 && allowed.length === 0) {
    return fail(
      id,
      'ADDON_AUDIENCE is set but ADDON_ALLOWED_EMAILS is empty: every Google account is refused',
      'set ADDON_ALLOWED_EMAILS=books@example.com,@example.com (addresses or whole domains)',
    );
  }
  if (audiences.length === 0 && allowed.length > 0) {
    return fail(
      id,
      'ADDON_ALLOWED_EMAILS is set but ADDON_AUDIENCE is not: no Google ID token can be accepted',
      "set ADDON_AUDIENCE to the OAuth client ID of the script's Google Cloud project (the `aud` of its ID token)",
    );
  }
  if (audiences.length > 0) {
    const urls = audiences.filter((a) => /^https?:\/\//.test(a));
    if (urls.length > 0) {
      return warn(
        id,
        `ADDON_AUDIENCE holds a URL (${urls.join(', ')}), but Apps Script ID tokens carry the script project's OAuth client ID`,
        "set ADDON_AUDIENCE to the client ID (…apps.googleusercontent.com): decode one token's `aud` to learn it",
      );
    }
    return ok(
      id,
      `Google ID-token sign-in: ${audiences.length} audience${audiences.length === 1 ? '' : 's'}, ${allowed.length} allowed entr${allowed.length === 1 ? 'y' : 'ies'}${keyText}`,
    );
  }
  if (keys > 0) return ok(id, `add-on key sign-in: ${keys} key${keys === 1 ? '' : 's'} active`);
  return skip(
    id,
    'the Sheets add-on has no way to sign in yet (needed only with the add-on)',
    'set ADDON_AUDIENCE and ADDON_ALLOWED_EMAILS for Google sign-in, or run `qb-bridge addon-key` and paste the key in the sidebar',
  );
}
