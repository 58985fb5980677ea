import type { Config } from '../../config/load';

/** Where each QuickBooks Online call goes; every host can be overridden for an emulator or proxy. */
export interface QboEndpoints {
  environment: Config['QBO_ENVIRONMENT'];
  /** Up to and excluding `/v3/company/{realmId}`. */
  apiBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** Host of the QuickBooks web app, for deep links to invoices, bills and names. */
  appUrl: string;
}

const intuit = {
  production: { api: 'https://quickbooks.api.intuit.com', app: 'https://app.qbo.intuit.com' },
  sandbox: { api: 'https://sandbox-quickbooks.api.intuit.com', app: 'https://app.sandbox.qbo.intuit.com' },
  authorize: 'https://appcenter.intuit.com/connect/oauth2',
  token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revoke: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
};

/** The emulator's default address when QBO_ENVIRONMENT=emulator and no override is given. */
export const defaultEmulatorUrl = 'http://127.0.0.1:8788';

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export function qboEndpoints(config: Config): QboEndpoints {
  const env = config.QBO_ENVIRONMENT;
  const emulatorBase = trimSlash(config.QBO_API_BASE_URL ?? defaultEmulatorUrl);
  const defaults =
    env === 'emulator'
      ? {
          api: emulatorBase,
          app: emulatorBase,
          authorize: `${emulatorBase}/connect/oauth2`,
          token: `${emulatorBase}/oauth2/v1/tokens/bearer`,
          revoke: `${emulatorBase}/oauth2/v1/tokens/revoke`,
        }
      : { ...intuit[env], authorize: intuit.authorize, token: intuit.token, revoke: intuit.revoke };
  return {
    environment: env,
    apiBaseUrl: trimSlash(config.QBO_API_BASE_URL ?? defaults.api),
    authorizeUrl: config.QBO_AUTHORIZE_URL ?? defaults.authorize,
    tokenUrl: config.QBO_TOKEN_URL ?? defaults.token,
    revokeUrl: config.QBO_REVOKE_URL ?? defaults.revoke,
    appUrl: defaults.app,
  };
}

/**
 * How much faster than real time QuickBooks' durations run: the emulator's time scale in emulator mode
 * (QBO_EMULATOR_TIME_SCALE, matching its `--time-scale`), otherwise 1. Intuit's own hosts always run at 1,
 * whatever the variable says, so a leftover setting cannot make us retry a 429 too early.
 */
export function qboTimeScale(config: Pick<Config, 'QBO_ENVIRONMENT' | 'QBO_EMULATOR_TIME_SCALE'>): number {
  return config.QBO_ENVIRONMENT === 'emulator' ? (config.QBO_EMULATOR_TIME_SCALE ?? 1) : 1;
}
