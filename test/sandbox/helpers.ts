import { createEmulator, type Emulator, type EmulatorOptions } from '../../gateway/src/sandbox/emulator';

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** An emulator plus a valid access token for its realm. */
export function emulatorWithToken(options: EmulatorOptions = {}) {
  const emulator = createEmulator({ randomSeed: 7, ...options });
  const tokens = emulator.issueTokens();
  return { emulator, tokens, api: apiClient(emulator, () => tokens.access_token) };
}

export function apiClient(emulator: Emulator, token: () => string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    query: Record<string, string> = {},
  ): Promise<ApiResult> => {
    const url = new URL(`http://emulator.test/v3/company/${emulator.realmId}/${path}`);
    url.searchParams.set('minorversion', '75');
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const response = await emulator.fetch(url.toString(), {
      method,
      headers: {
        authorization: `Bearer ${token()}`,
        accept: 'application/json',
        ...(body === undefined
          ? {}
          : { 'content-type': typeof body === 'string' ? 'application/text' : 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: response.status, headers: response.headers, text, json };
  };
}

export const query = (statement: string) => ({ query: statement });

/** The first Error of a Fault body. */
export function firstError(json: Record<string, unknown>): Record<string, unknown> {
  const fault = json.Fault as { Error: Array<Record<string, unknown>> } | undefined;
  const error = fault?.Error[0];
  if (!error) throw new Error(`not a fault: ${JSON.stringify(json)}`);
  return error;
}
