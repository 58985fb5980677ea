import { type Config, ConfigError } from './load';
import { examples } from './schema';

type Key = keyof typeof examples;

/**
 * Integrations are optional at start-up; a command that needs one calls this so the user learns exactly
 * which variable to set, e.g. `requireSettings(config, ['ZIMBRA_HOST'], 'to fetch Zimbra reports')`.
 */
export function requireSettings(config: Config, keys: readonly Key[], purpose: string): void {
  for (const key of keys) {
    if (config[key] === undefined) {
      throw new ConfigError(
        `${key} is missing (needed ${purpose}); for example ${key}=${examples[key]}`,
        key,
      );
    }
  }
}

/**
 * The stand-in values `.env.example` ships with. A copied `.env.example` must not make an integration look
 * configured (test/config keeps this list in step with the file).
 */
export const envExamplePlaceholders: ReadonlySet<string> = new Set([
  'your-intuit-client-id',
  'your-intuit-client-secret',
  'https://qb-bridge.example.com',
  'your-addon-client-id.apps.googleusercontent.com',
  'books@example.com',
  'mysql://reader:change-me@127.0.0.1:3306/mis',
  'mail.example.com',
  '/home/billing/.ssh/id_ed25519',
  '/home/billing/.ssh/known_hosts',
]);

export function isPlaceholder(value: string | undefined): boolean {
  return value !== undefined && envExamplePlaceholders.has(value.trim());
}

/** Set, and not a placeholder from `.env.example`. */
const real = (value: string | undefined): boolean => value !== undefined && !isPlaceholder(value);

/** Which integrations have the settings they need; shown by /healthz and `test-connections`. */
export function configuredIntegrations(config: Config): Record<string, boolean> {
  return {
    qbo:
      config.QBO_ENVIRONMENT === 'emulator' || (real(config.QBO_CLIENT_ID) && real(config.QBO_CLIENT_SECRET)),
    sheets: real(config.ADDON_AUDIENCE) || real(config.ADDON_ALLOWED_EMAILS),
    mis: real(config.MIS_DATABASE_URL),
    zimbra: real(config.ZIMBRA_HOST) && real(config.ZIMBRA_KEY_FILE),
    qbwc: real(config.QBWC_PASSWORD_HASH),
  };
}
