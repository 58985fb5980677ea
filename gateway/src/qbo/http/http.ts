import type { Logger } from '../../log/logger';
import { errorFromResponse, QboError } from './errors';
import { faultFromObject } from './fault-parse';

/**
 * One HTTP exchange with the QuickBooks v3 API, nothing more: URL with `minorversion` (and `requestid` when
 * given), bearer header, a timeout a little above Intuit's 120 s server limit, and a parsed answer or a
 * QboError. Retries, throttling and token refresh live in the client. Every call is logged with its
 * operation, status, duration and `intuit_tid` (Intuit support asks for it); the token never reaches the
 * log because it is only ever placed in the Authorization header.
 */

export interface QboCall {
  method: 'GET' | 'POST';
  /** Path below `/v3/company/{realmId}`, e.g. `/invoice` or `/query`. */
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  /** What this call is for, in words ("create Invoice", "query Customer"): logged and put on errors. */
  operation: string;
  requestId?: string;
  /**
   * Runs each time the limiter has granted this call its slot, right before the request leaves (again on
   * a repeat after a 401 refresh or a 429 pause). Throwing stops the call: nothing is sent. The ledger's
   * fence (`QboLedger.claim`) lives here, so a writer that was paused while it waited for its slot cannot
   * send rows another run has taken since.
   */
  beforeSend?: () => void;
}

export interface QboAnswer {
  status: number;
  json: Record<string, unknown>;
  intuitTid: string | undefined;
}

export interface HttpSettings {
  apiBaseUrl: string;
  realmId: string;
  minorVersion: number;
  timeoutMs: number;
  fetch: typeof fetch;
  log: Logger;
}

export function callUrl(
  settings: Pick<HttpSettings, 'apiBaseUrl' | 'realmId' | 'minorVersion'>,
  call: QboCall,
): string {
  const url = new URL(
    `${settings.apiBaseUrl}/v3/company/${encodeURIComponent(settings.realmId)}${call.path}`,
  );
  for (const [key, value] of Object.entries(call.params ?? {})) url.searchParams.set(key, value);
  if (call.requestId) url.searchParams.set('requestid', call.requestId);
  url.searchParams.set('minorversion', String(settings.minorVersion));
  return url.toString();
}

/** Node lowercases header names; other stacks send `Intuit-Tid`. `Headers.get` is case-insensitive for both. */
function tidOf(headers: Headers): string | undefined {
  return headers.get('intuit_tid') ?? headers.get('intuit-tid') ?? undefined;
}

export async function sendQboCall(
  settings: HttpSettings,
  call: QboCall,
  accessToken: string,
): Promise<QboAnswer> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  const headers: Record<string, string> = {
    Authorization: `Bearer ${accessToken}`,
    Accept: 'application/json',
  };
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  const logged = { op: call.operation, method: call.method, path: call.path, requestId: call.requestId };
  let response: Response;
  let text: string;
  try {
    response = await settings.fetch(callUrl(settings, call), {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: controller.signal,
    });
    text = await response.text();
  } catch (error) {
    const timedOut = controller.signal.aborted;
    settings.log.warn(
      {
        qbo: {
          ...logged,
          ms: Math.round(performance.now() - started),
          network: timedOut ? 'timeout' : String(error),
        },
      },
      'qbo call failed without an answer',
    );
    throw new QboError({
      status: 0,
      operation: call.operation,
      cause: error,
      errors: [
        {
          code: timedOut ? 'timeout' : 'network',
          message: timedOut ? `No answer within ${settings.timeoutMs} ms` : 'Connection failed',
          detail: error instanceof Error ? error.message : String(error),
          element: '',
        },
      ],
    });
  } finally {
    clearTimeout(timer);
  }
  const intuitTid = tidOf(response.headers);
  const ms = Math.round(performance.now() - started);
  const level = response.ok ? 'info' : 'warn';
  settings.log[level]({ qbo: { ...logged, status: response.status, intuitTid, ms } }, 'qbo call');
  if (!response.ok) {
    throw errorFromResponse({
      status: response.status,
      body: text,
      intuitTid,
      operation: call.operation,
      retryAfter: response.headers.get('retry-after'),
    });
  }
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    // A 200 that is not JSON (an XML fault sent with 200, a proxy page): treat like the fault it carries.
    const fault = errorFromResponse({
      status: response.status,
      body: text,
      intuitTid,
      operation: call.operation,
    });
    if (fault.errors.length > 0) throw fault;
    throw new QboError({
      status: 502,
      operation: call.operation,
      intuitTid,
      cause: error,
      category: 'retryable',
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new QboError({ status: 502, operation: call.operation, intuitTid, category: 'retryable' });
  }
  const record = json as Record<string, unknown>;
  const embedded = faultFromObject(record.Fault);
  if (embedded && embedded.errors.length > 0) {
    throw new QboError({ status: 400, operation: call.operation, intuitTid, ...embedded });
  }
  return { status: response.status, json: record, intuitTid };
}
