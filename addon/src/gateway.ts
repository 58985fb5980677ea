/**
 * Calls to the gateway through UrlFetchApp (the sidebar never calls the gateway itself). Google mode sends
 * the user's OpenID identity token; hmac mode signs timestamp, nonce, method, path and body with the key
 * from `qb-bridge addon-key`. Every answer is the gateway's JSON envelope; failures become one sentence.
 */
import { bytesToHex, hmacHeaders, signingText, splitAddonKey } from '../../shared/src/sheets/signing';
import type { Settings } from './settings';

export class GatewayError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

function authHeaders(settings: Settings, method: string, path: string, body: string): Record<string, string> {
  if (settings.authMode === 'hmac') {
    const key = splitAddonKey(settings.addonKey);
    if (!key)
      throw new GatewayError(
        'No add-on key is saved; paste one from `qb-bridge addon-key` in the settings',
        0,
        'not_configured',
      );
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = Utilities.getUuid().replace(/-/g, '');
    const signature = bytesToHex(
      Utilities.computeHmacSha256Signature(signingText({ timestamp, nonce, method, path, body }), key.secret),
    );
    return {
      [hmacHeaders.keyId]: key.keyId,
      [hmacHeaders.timestamp]: timestamp,
      [hmacHeaders.nonce]: nonce,
      [hmacHeaders.signature]: signature,
    };
  }
  const token = ScriptApp.getIdentityToken();
  if (!token)
    throw new GatewayError(
      'Google did not give an identity token; reopen the add-on and allow access',
      0,
      'no_token',
    );
  return { Authorization: `Bearer ${token}` };
}

export function callGateway<T>(
  settings: Settings,
  method: 'get' | 'post' | 'put',
  path: string,
  payload?: unknown,
): T {
  if (!settings.gatewayUrl) {
    throw new GatewayError(
      'The gateway URL is not set; open the sidebar settings and fill it in',
      0,
      'not_configured',
    );
  }
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const headers = authHeaders(settings, method.toUpperCase(), path, body);
  const options: GoogleAppsScript.URL_Fetch.URLFetchRequestOptions = {
    method,
    headers,
    muteHttpExceptions: true,
    followRedirects: false,
  };
  if (payload !== undefined) {
    options.contentType = 'application/json';
    options.payload = body;
  }
  let response: GoogleAppsScript.URL_Fetch.HTTPResponse;
  try {
    response = UrlFetchApp.fetch(`${settings.gatewayUrl}${path}`, options);
  } catch (error) {
    throw new GatewayError(
      `The gateway at ${settings.gatewayUrl} cannot be reached: ${(error as Error).message}`,
      0,
      'unreachable',
    );
  }
  const status = response.getResponseCode();
  let envelope: {
    success?: boolean;
    message?: string;
    data?: T;
    error?: { code?: string };
    details?: unknown;
  };
  try {
    envelope = JSON.parse(response.getContentText());
  } catch {
    throw new GatewayError(
      `The gateway answered HTTP ${status} without JSON; is ${settings.gatewayUrl} a qb-bridge gateway?`,
      status,
      'bad_answer',
    );
  }
  if (status >= 400 || envelope.success !== true) {
    throw new GatewayError(
      envelope.message ?? `HTTP ${status}`,
      status,
      envelope.error?.code ?? 'error',
      envelope.details,
    );
  }
  return envelope.data as T;
}
