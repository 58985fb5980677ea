import { z } from 'zod';

/**
 * Every environment variable qb-bridge reads. Each entry carries the example shown when the value is wrong,
 * so an error message can always say what a right value looks like.
 */
const optionalText = z.string().trim().min(1).optional();
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month written YYYY-MM');
/** A Web Connector version as it reports itself in clientVersion: 2.1.0.30, 2.3.0.215, or shorter (2.0). */
const dottedVersion = z
  .string()
  .trim()
  .regex(/^\d{1,5}(\.\d{1,5}){0,3}$/, 'must be a dotted version number like 2.1.0.30');
const port = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));

/** Plain http is acceptable only where traffic never leaves the machine (development, the emulator). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function httpUrl(allowPlainHttp: boolean) {
  return z
    .string()
    .trim()
    .url('must be an absolute URL')
    .refine((v) => {
      // Zod runs every check; an unparseable value is already reported by .url() above.
      if (!URL.canParse(v)) return true;
      const url = new URL(v);
      return (
        url.protocol === 'https:' || (allowPlainHttp && url.protocol === 'http:' && isLoopback(url.hostname))
      );
    }, 'must start with https:// (http:// only for localhost or 127.0.0.1)');
}

export const envSchema = z.object({
  PORT: port.default(8787),
  PUBLIC_URL: httpUrl(true).optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  QB_BRIDGE_SECRET_KEY: z
    .string()
    .trim()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, 'must be 32 random bytes as 64 hex digits or base64')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_TO_FILE: flag.default(false),
  TRUST_PROXY: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(5, 'must be at most 5')
    .default(0),
  AUDIT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(36_500, 'must be at most 36500 (a century)')
    .default(365),
  TLS_CERT_FILE: optionalText,
  TLS_KEY_FILE: optionalText,

  QBO_ENVIRONMENT: z.enum(['production', 'sandbox', 'emulator']).default('sandbox'),
  QBO_CLIENT_ID: optionalText,
  QBO_CLIENT_SECRET: optionalText,
  QBO_REDIRECT_URI: httpUrl(true).optional(),
  QBO_REALM_ID: z.string().trim().regex(/^\d+$/, 'must be the numeric company (realm) id').optional(),
  QBO_MINOR_VERSION: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(75, 'must be 75 or higher (Intuit retired 1-74)')
    .default(75),
  QBO_API_BASE_URL: httpUrl(true).optional(),
  QBO_AUTHORIZE_URL: httpUrl(true).optional(),
  QBO_TOKEN_URL: httpUrl(true).optional(),
  QBO_REVOKE_URL: httpUrl(true).optional(),
  // The `qbo-emulator --time-scale` the emulator runs at; honoured only with QBO_ENVIRONMENT=emulator so a
  // stray value can never shrink the waits Intuit itself asks for (endpoints.ts qboTimeScale).
  QBO_EMULATOR_TIME_SCALE: z.coerce
    .number({ error: 'must be a number' })
    .min(1, 'must be 1 or more (60 makes a QuickBooks minute last one second)')
    .optional(),
  QBO_DEFAULT_ITEM_ID: z.string().trim().regex(/^\d+$/, 'must be a numeric QuickBooks Item Id').optional(),
  QBO_DEFAULT_EXPENSE_ACCOUNT_ID: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a numeric QuickBooks Account Id')
    .optional(),
  // Seed 001 Mode B's QB_AUTO_MARK_BILL_PAID: a money-out row with Inv_paid_date also gets a BillPayment.
  QBO_AUTO_MARK_BILL_PAID: flag.default(false),
  // The bank account those payments are drawn on (a Check BillPayment needs one; QuickBooks has no default).
  QBO_BILL_PAYMENT_ACCOUNT_ID: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a numeric QuickBooks Account Id (a Bank account)')
    .optional(),

  SHEETS_SYNC_MODE: z.enum(['invoice_only', 'dual']).default('invoice_only'),
  SHEETS_ELIGIBLE_STATUSES: z.string().trim().min(1).default('ready'),
  SHEETS_DIRECTIONS_FILE: optionalText,
  ADDON_AUDIENCE: optionalText,
  ADDON_ALLOWED_EMAILS: optionalText,
  // Where Google's ID-token signing keys are read (tests point it at a local JWKS on loopback).
  ADDON_JWKS_URL: httpUrl(true).default('https://www.googleapis.com/oauth2/v3/certs'),
  // Put before every sheet invoice number to make the QuickBooks DocNumber (21 characters in all).
  SHEETS_DOC_PREFIX: z.string().trim().max(10, 'must be at most 10 characters').optional(),

  MIS_DATABASE_URL: z
    .string()
    .trim()
    .regex(/^mysql:\/\/.+/, 'must be a mysql:// URL')
    .optional(),
  // How long a row claimed (QuickBk_Status 3) by a worker that stopped stays its own before another takes it.
  MIS_CLAIM_LEASE_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be 1 or more')
    .default(900),
  // The wait before a failed invoice (status 2) is tried again; it doubles with each attempt.
  MIS_RETRY_DELAY_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0, 'must be 0 or more')
    .default(5),
  MIS_MAX_ATTEMPTS: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(20, 'must be at most 20')
    .default(3),

  ZIMBRA_HOST: optionalText,
  ZIMBRA_PORT: port.default(22),
  ZIMBRA_USERNAME: z.string().trim().min(1).default('zimbra'),
  ZIMBRA_KEY_FILE: optionalText,
  ZIMBRA_KNOWN_HOSTS: optionalText,
  ZIMBRA_REPORT_PATH: z.string().trim().min(1).default('/opt/MonthlyUsageReports'),

  QBWC_USERNAME: z.string().trim().min(1).default('qb-bridge'),
  QBWC_PASSWORD_HASH: optionalText,
  QBWC_START_PERIOD: month.optional(),
  QBWC_REPORT_BASIS: z.enum(['Accrual', 'Cash']).default('Accrual'),
  QBWC_MIN_CLIENT_VERSION: dottedVersion.default('2.0'),
  QBWC_WARN_CLIENT_VERSION: dottedVersion.default('2.1.0.30'),
  QBWC_MIN_INTERVAL_MINUTES: z.coerce
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(0, 'must be 0 or more')
    .max(1440, 'must be at most 1440 (a day)')
    .default(15),
});

export type Env = z.infer<typeof envSchema>;

/** Shown after "for example" when a variable is wrong. */
export const examples: Record<keyof Env, string> = {
  PORT: '8787',
  PUBLIC_URL: 'https://qb-bridge.example.com',
  DATA_DIR: './data',
  QB_BRIDGE_SECRET_KEY: '64 hex digits from `openssl rand -hex 32`',
  LOG_LEVEL: 'info',
  LOG_TO_FILE: 'true',
  TRUST_PROXY: '1',
  AUDIT_RETENTION_DAYS: '365',
  TLS_CERT_FILE: '/etc/letsencrypt/live/qb-bridge.example.com/fullchain.pem',
  TLS_KEY_FILE: '/etc/letsencrypt/live/qb-bridge.example.com/privkey.pem',
  QBO_ENVIRONMENT: 'sandbox',
  QBO_CLIENT_ID: 'the Client ID from the Intuit developer portal',
  QBO_CLIENT_SECRET: 'the Client Secret from the Intuit developer portal',
  QBO_REDIRECT_URI: 'http://localhost:8787/qbo/callback',
  QBO_REALM_ID: '9130357000000000',
  QBO_MINOR_VERSION: '75',
  QBO_API_BASE_URL: 'http://127.0.0.1:8788',
  QBO_AUTHORIZE_URL: 'http://127.0.0.1:8788/connect/oauth2',
  QBO_TOKEN_URL: 'http://127.0.0.1:8788/oauth2/v1/tokens/bearer',
  QBO_REVOKE_URL: 'http://127.0.0.1:8788/oauth2/v1/tokens/revoke',
  QBO_EMULATOR_TIME_SCALE: '60',
  QBO_DEFAULT_ITEM_ID: '1',
  QBO_DEFAULT_EXPENSE_ACCOUNT_ID: '7',
  QBO_AUTO_MARK_BILL_PAID: 'false',
  QBO_BILL_PAYMENT_ACCOUNT_ID: '5',
  SHEETS_SYNC_MODE: 'invoice_only',
  SHEETS_ELIGIBLE_STATUSES: 'ready,approved',
  SHEETS_DIRECTIONS_FILE: './directions.json',
  ADDON_AUDIENCE: '123456789012-abc123.apps.googleusercontent.com',
  ADDON_ALLOWED_EMAILS: 'books@example.com,owner@example.com',
  ADDON_JWKS_URL: 'https://www.googleapis.com/oauth2/v3/certs',
  SHEETS_DOC_PREFIX: 'S-',
  MIS_DATABASE_URL: 'mysql://reader:password@127.0.0.1:3306/mis',
  MIS_CLAIM_LEASE_SECONDS: '900',
  MIS_RETRY_DELAY_SECONDS: '5',
  MIS_MAX_ATTEMPTS: '3',
  ZIMBRA_HOST: 'mail.example.com',
  ZIMBRA_PORT: '22',
  ZIMBRA_USERNAME: 'zimbra',
  ZIMBRA_KEY_FILE: '/home/billing/.ssh/id_ed25519',
  ZIMBRA_KNOWN_HOSTS: '/home/billing/.ssh/known_hosts',
  ZIMBRA_REPORT_PATH: '/opt/MonthlyUsageReports',
  QBWC_USERNAME: 'qb-bridge',
  QBWC_PASSWORD_HASH: 'set it with `qb-bridge qbwc set-password`',
  QBWC_START_PERIOD: '2025-01',
  QBWC_REPORT_BASIS: 'Accrual',
  QBWC_MIN_CLIENT_VERSION: '2.0',
  QBWC_WARN_CLIENT_VERSION: '2.1.0.30',
  QBWC_MIN_INTERVAL_MINUTES: '15',
};
