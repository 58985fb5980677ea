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

/** Which integrations have the settings they need; shown by /healthz and `test-connections`. */
export function configuredIntegrations(config: Config): Record<string, boolean> {
  return {
    qbo:
      config.QBO_ENVIRONMENT === 'emulator' ||
      (config.QBO_CLIENT_ID !== undefined && config.QBO_CLIENT_SECRET !== undefined),
    sheets: config.ADDON_AUDIENCE !== undefined || config.ADDON_ALLOWED_EMAILS !== undefined,
    mis: config.MIS_DATABASE_URL !== undefined,
    zimbra: config.ZIMBRA_HOST !== undefined && config.ZIMBRA_KEY_FILE !== undefined,
    qbwc: config.QBWC_PASSWORD_HASH !== undefined,
  };
}
