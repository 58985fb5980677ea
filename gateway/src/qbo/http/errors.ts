import { duplicateDocNumberTarget, type ParsedFault, parseFault, type QboFaultError } from './fault-parse';

export type { QboFaultError };

/**
 * What the client does with a failure:
 * - retryable: 5xx, network, SystemFault — reads retry with backoff; a write's outcome becomes *unknown*
 *   and is resolved by lookup before anything is sent again.
 * - throttled: 429 / 3001 / ThrottleExceeded — the realm's queue pauses; the call is repeated.
 * - auth: the access token was refused (401) or the user lacks permission (403/120).
 * - reconnect: the grant is gone (3100, refresh failed): a person must run `authorize-qbo`.
 * - validation: QuickBooks refused the data; the user fixes the source. Never retried.
 * - bug: our request was malformed (unknown property, bad query, bad URL). Never retried.
 */
export type QboErrorCategory = 'retryable' | 'throttled' | 'auth' | 'reconnect' | 'validation' | 'bug';

const bugCodes = new Set(['500', '2010', '2030', '2310', '4000', '4001', '4002']);
const validationCodes = new Set(['610', '2020', '2050', '2500', '5010', '6000', '6070', '6140', '6240']);

export interface QboErrorInit {
  status: number;
  faultType?: string;
  errors?: QboFaultError[];
  intuitTid?: string;
  operation?: string;
  /** Seconds from a `Retry-After` header, when QuickBooks sent one. */
  retryAfterSeconds?: number;
  /** Set for network failures (status 0) and timeouts. */
  cause?: unknown;
  category?: QboErrorCategory;
}

/** The one error type for everything QuickBooks (or the network on the way to it) answers badly. */
export class QboError extends Error {
  readonly status: number;
  readonly faultType: string;
  readonly errors: QboFaultError[];
  readonly intuitTid: string | undefined;
  readonly operation: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly category: QboErrorCategory;

  constructor(init: QboErrorInit) {
    const errors = init.errors ?? [];
    const first = errors[0];
    const summary = first ? `${first.code} ${first.message}${first.detail ? `: ${first.detail}` : ''}` : '';
    const where = init.operation ? `${init.operation}: ` : '';
    super(
      `${where}QuickBooks ${init.status === 0 ? 'unreachable' : `HTTP ${init.status}`}${summary ? ` ${summary}` : ''}`,
      {
        cause: init.cause,
      },
    );
    this.name = 'QboError';
    this.status = init.status;
    this.faultType = init.faultType ?? '';
    this.errors = errors;
    this.intuitTid = init.intuitTid;
    this.operation = init.operation;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.category = init.category ?? categorize(init.status, this.faultType, errors);
  }

  /** The first error's code ("6240"), or '' when the body held none. */
  get code(): string {
    return this.errors[0]?.code ?? '';
  }

  hasCode(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }

  /** A sentence telling a person what to change. Auth errors never echo QuickBooks' raw Detail. */
  userMessage(): string {
    return userMessageFor(this);
  }

  /** What goes into the ledger's `error` column and run summaries (no tokens can appear here). */
  toJSON(): Record<string, unknown> {
    return {
      status: this.status,
      category: this.category,
      faultType: this.faultType,
      errors: this.errors,
      intuitTid: this.intuitTid,
      message: this.userMessage(),
    };
  }
}

export function isThrottle(status: number, errors: readonly QboFaultError[]): boolean {
  return (
    status === 429 ||
    errors.some(
      (e) => e.code === '3001' || /ThrottleExceeded/i.test(e.message) || /ThrottleExceeded/i.test(e.detail),
    )
  );
}

export function categorize(
  status: number,
  faultType: string,
  errors: readonly QboFaultError[],
): QboErrorCategory {
  if (isThrottle(status, errors)) return 'throttled';
  const codes = errors.map((e) => e.code);
  if (codes.includes('3100')) return 'reconnect';
  if (status === 401 || codes.includes('3200')) return 'auth';
  if (status === 403 || codes.includes('120') || /Authori[sz]ation/i.test(faultType)) return 'auth';
  if (
    status === 0 ||
    status === 408 ||
    status >= 500 ||
    codes.includes('10000') ||
    /SystemFault/i.test(faultType)
  ) {
    return 'retryable';
  }
  if (codes.some((c) => bugCodes.has(c))) return 'bug';
  if (codes.some((c) => validationCodes.has(c))) return 'validation';
  if (status === 413) return 'bug';
  if (status === 400 || /ValidationFault/i.test(faultType)) return 'validation';
  return 'bug';
}

/** Builds the error for a non-2xx response from its status, headers and raw body. */
export function errorFromResponse(init: {
  status: number;
  body: string;
  intuitTid?: string;
  operation?: string;
  retryAfter?: string | null;
}): QboError {
  const parsed: ParsedFault = parseFault(init.body) ?? { faultType: '', errors: [] };
  if (init.status === 401) {
    // Intuit's 401 Detail can quote the rejected token ("Token expired: <token>"): keep only the reason.
    for (const e of parsed.errors) e.detail = e.detail.replace(/^([^:]*):.*$/s, '$1: [redacted]');
  }
  if (parsed.errors.length === 0 && init.status === 413) {
    parsed.errors.push({
      code: '413',
      message: 'Request Entity Too Large',
      detail: 'The request body was larger than QuickBooks accepts',
      element: '',
    });
  }
  return new QboError({
    status: init.status,
    faultType: parsed.faultType,
    errors: parsed.errors,
    intuitTid: init.intuitTid,
    operation: init.operation,
    retryAfterSeconds: parseRetryAfter(init.retryAfter ?? null),
  });
}

/** `Retry-After` is either delta-seconds or an HTTP date; Intuit does not document it, so both are read. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}

function shown(e: QboFaultError): string {
  const detail = e.detail.replace(/\s+/g, ' ').trim();
  return detail || e.message || `error ${e.code}`;
}

function userMessageFor(error: QboError): string {
  const first = error.errors[0];
  switch (error.category) {
    case 'throttled':
      return 'QuickBooks is limiting how fast this company can be written to; wait a minute and run again (nothing was duplicated).';
    case 'reconnect':
      return 'The QuickBooks connection is no longer authorised; reconnect it with `qb-bridge authorize-qbo` (or the dashboard) and run again.';
    case 'auth':
      if (error.status === 403 || error.hasCode('120')) {
        return 'The connected QuickBooks user or subscription is not allowed to do this; sign in to QuickBooks as an admin of this company (or check the subscription) and reconnect.';
      }
      return 'QuickBooks refused the access token; reconnect with `qb-bridge authorize-qbo` if this keeps happening.';
    case 'retryable':
      return error.status === 0
        ? 'QuickBooks could not be reached (network error or timeout); check the connection and run again — nothing will be duplicated.'
        : `QuickBooks had a temporary problem (HTTP ${error.status}); run again later — nothing will be duplicated.`;
    default:
      break;
  }
  if (!first)
    return `QuickBooks refused the request (HTTP ${error.status}); this is a qb-bridge bug — please report it.`;
  const element = first.element ? ` (field ${first.element})` : '';
  switch (first.code) {
    case '6140': {
      const target = duplicateDocNumberTarget(first.detail);
      const doc = target?.docNumber ? `number ${target.docNumber}` : 'this document number';
      const where = target ? ` by ${target.txnType ?? 'transaction'} ${target.txnId}` : '';
      return `The ${doc} is already used${where} in QuickBooks; give this row a different number, or delete the other transaction.`;
    }
    case '6240':
      return 'This name is already used by another customer, vendor or employee in QuickBooks (inactive ones count too); QuickBooks needs every name to differ — rename one.';
    case '6070':
      return 'A line amount does not equal quantity × unit price; correct the quantity, price or amount on the row.';
    case '2500':
      return `A referenced customer, vendor, item or account does not exist or is inactive in QuickBooks${element}; fix the reference or make the record active. (${shown(first)})`;
    case '610':
      return `A record this refers to was deleted or made inactive in QuickBooks${element}; make it active again or pick another. (${shown(first)})`;
    case '2050':
      return `A value is too long for QuickBooks${element} (document numbers are at most 21 characters); shorten it. (${shown(first)})`;
    case '2020':
      return `A required value is missing${element}; fill it in on the row. (${shown(first)})`;
    case '5010':
      return 'Someone changed this record in QuickBooks at the same time; run again to pick up their change.';
    default:
      break;
  }
  if (error.category === 'bug') {
    return `QuickBooks refused a request qb-bridge built (${first.code} ${first.message}); this is a qb-bridge bug — please report it with intuit_tid ${error.intuitTid ?? 'unknown'}.`;
  }
  return `QuickBooks refused it${element}: ${shown(first)}; correct the row and run again.`;
}

/** QuickBooks did not answer (5xx, timeout, dropped, throttled): what we wanted to know stays open. */
export function isUnreachable(error: unknown): error is QboError {
  return error instanceof QboError && (error.category === 'retryable' || error.category === 'throttled');
}
