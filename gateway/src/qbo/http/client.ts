import type { AppContext } from '../../app/context';
import { ConfigError } from '../../config/load';
import type { Logger } from '../../log/logger';
import {
  type Clock,
  type LimiterOptions,
  type RateLimiter,
  type RealmLimiter,
  realClock,
  sharedRateLimiter,
} from '../limits/limiter';
import type { TokenSource } from '../oauth/token-source';
import { countRows, type QueryResponse, queryAll } from '../query';
import { type QboEndpoints, qboEndpoints, qboTimeScale } from './endpoints';
import { QboError } from './errors';
import { type HttpSettings, type QboAnswer, type QboCall, sendQboCall } from './http';
import { type AttemptState, decideRetry, defaultRetryPolicy, type RetryPolicy } from './retry';

/**
 * The QuickBooks Online API client for one realm: every call passes the realm's rate limiter, carries a
 * fresh access token from the TokenSource, and is retried by the policy in `retry.ts` (throttle pauses the
 * whole realm, 401 refreshes once, reads back off on 5xx). Writes are NOT re-sent after an ambiguous
 * failure — callers that create things go through the ledger writer (`write-once.ts`, `batch.ts`), which
 * resolves the unknown outcome by lookup first.
 */

export type BatchOperation = 'create' | 'update' | 'delete';

export interface BatchItemRequest {
  bId: string;
  operation?: BatchOperation;
  /** Entity name → body, e.g. `{ Invoice: {...} }`; or `Query` for a read. */
  entity?: { type: string; body: Record<string, unknown> };
  query?: string;
}

export interface BatchItemResponse {
  bId: string;
  [key: string]: unknown;
}

export interface ClientStats {
  calls: number;
  throttled: number;
  refreshes: number;
  backoffs: number;
}

export interface QboClient {
  readonly realmId: string;
  readonly endpoints: QboEndpoints;
  readonly minorVersion: number;
  readonly limiter: RealmLimiter;
  readonly timeScale: number;
  /** How long one HTTP attempt may take before the client gives up on it (see QboClientOptions). */
  readonly timeoutMs: number;
  /**
   * How long after QuickBooks' own timeout a commit may still take to show in query results (see
   * QboClientOptions); with `timeoutMs` it sets when a send without a requestid is provably over.
   */
  readonly visibilityMarginMs?: number;
  readonly stats: ClientStats;
  readonly log: Logger;
  /** A raw call with the client's retry policy; `kind: 'write'` is never retried on ambiguous failures. */
  call(call: QboCall, kind: 'read' | 'write'): Promise<QboAnswer>;
  read(entity: string, id: string): Promise<Record<string, unknown>>;
  query(statement: string, operation?: string): Promise<QueryResponse>;
  queryAll<T = Record<string, unknown>>(entity: string, where?: string): Promise<T[]>;
  count(entity: string, where?: string): Promise<number>;
  /** One create with its requestid; throws QboError (category 'retryable' = outcome unknown). */
  create(
    entity: string,
    body: Record<string, unknown>,
    requestId: string,
    options?: SendOptions,
  ): Promise<Record<string, unknown>>;
  /** One `/batch` call of at most `itemsPerBatch` items; answers are matched by bId by the caller. */
  batch(items: readonly BatchItemRequest[], options?: SendOptions): Promise<BatchItemResponse[]>;
  companyInfo(): Promise<Record<string, unknown>>;
}

export interface SendOptions {
  /** Called when the limiter grants the slot, right before the request leaves; throwing stops it (QboCall). */
  beforeSend?: () => void;
}

export interface QboClientOptions {
  realmId?: string;
  tokens: TokenSource;
  /**
   * Emulator time scale: divides rate-limit windows, throttle pauses, backoff and the request timeout.
   * Defaults to QBO_EMULATOR_TIME_SCALE in emulator mode, 1 otherwise.
   */
  timeScale?: number;
  fetch?: typeof fetch;
  /**
   * A specific limiter; by default clients with the same limits and time scale share one per process, and
   * its budget lives in the store (`ctx.db`) so other processes on the same store share it too.
   */
  limiter?: RateLimiter;
  limiterOptions?: Omit<LimiterOptions, 'timeScale'>;
  retry?: Partial<RetryPolicy>;
  /**
   * Defaults to 125 s (a little above Intuit's 120 s server timeout) divided by the time scale, but never
   * under 5 s: the scale shrinks QuickBooks' durations, not our own CPU or network latency.
   */
  timeoutMs?: number;
  /**
   * Query results lag creates, and a create may commit after its connection dropped: a lookup proves a
   * send without a requestid absent only once `timeoutMs` + Intuit's 120 s + this margin have passed since
   * it left. Defaults to 60 s divided by the time scale, never under 5 s (our own latency is not scaled).
   */
  visibilityMarginMs?: number;
  clock?: Clock;
  log?: Logger;
}

const entityPath = (entity: string) => `/${entity.toLowerCase()}`;

function entityOf(json: Record<string, unknown>, entity: string, operation: string): Record<string, unknown> {
  const value = json[entity];
  if (typeof value !== 'object' || value === null) {
    throw new QboError({
      status: 502,
      operation,
      category: 'retryable',
      errors: [{ code: 'shape', message: `Answer has no ${entity}`, detail: '', element: '' }],
    });
  }
  return value as Record<string, unknown>;
}

/** What one call needs to be sent, paced, retried and counted. */
interface Sender {
  tokens: QboClientOptions['tokens'];
  realmId: string;
  limiter: RealmLimiter;
  policy: RetryPolicy;
  clock: Clock;
  settings: HttpSettings;
  stats: ClientStats;
  log: Logger;
}

/**
 * One call through the realm's limiter: the fence checked right before it leaves, a 429 pausing the realm,
 * one token refresh after a 401, and backoff after a retryable failure (the policy in retry.ts decides).
 */
async function callWithRetries(s: Sender, request: QboCall, kind: 'read' | 'write'): Promise<QboAnswer> {
  const { limiter, stats, log, realmId } = s;
  const state: AttemptState = { kind, failures: 0, throttles: 0, refreshed: false };
  let token = await s.tokens.accessToken(realmId);
  for (;;) {
    const release = await limiter.acquire(request.path === '/batch' ? 'batch' : 'request');
    try {
      // The fence: the rows this call carries must still be the caller's (it throws otherwise).
      request.beforeSend?.();
    } catch (error) {
      release();
      throw error;
    }
    stats.calls += 1;
    try {
      return await sendQboCall(s.settings, request, token);
    } catch (error) {
      if (!(error instanceof QboError)) throw error;
      const decision = decideRetry(error, state, s.policy);
      switch (decision.action) {
        case 'throttle':
          state.throttles += 1;
          stats.throttled += 1;
          limiter.pause(decision.waitMs);
          log.warn(
            { qbo: { op: request.operation, pauseMs: Math.round(decision.waitMs) } },
            'qbo throttled; realm paused',
          );
          break;
        case 'refresh':
          state.refreshed = true;
          stats.refreshes += 1;
          release();
          token = await s.tokens.refreshAfterRejection(realmId, token);
          break;
        case 'backoff':
          state.failures += 1;
          stats.backoffs += 1;
          release();
          await s.clock.sleep(decision.waitMs);
          break;
        default:
          if (error.status === 401) {
            // Refreshed and still refused: the grant itself is no good any more.
            throw new QboError({
              status: 401,
              faultType: error.faultType,
              errors: error.errors,
              intuitTid: error.intuitTid,
              operation: error.operation,
              category: 'reconnect',
            });
          }
          throw error;
      }
    } finally {
      release();
    }
  }
}

/** The body of a batch call; more items than QuickBooks takes is a caller's bug, refused before spending a call. */
function batchBody(items: readonly BatchItemRequest[], max: number): Record<string, unknown> {
  if (items.length > max) {
    // QuickBooks rejects the whole call (qbo-api.md §3.2); refusing here keeps a caller's bug from
    // spending a batch call of the per-minute budget on a certain failure.
    throw new Error(
      `A QuickBooks batch holds at most ${max} items; got ${items.length}. Split it (the batch writer in batch.ts does).`,
    );
  }
  return {
    BatchItemRequest: items.map((item) => {
      if (item.query !== undefined) return { bId: item.bId, Query: item.query };
      if (!item.entity || !item.operation)
        throw new Error(`Batch item ${item.bId} needs an operation and an entity`);
      return { bId: item.bId, operation: item.operation, [item.entity.type]: item.entity.body };
    }),
  };
}

/** The options and configuration a client runs with: realm, pacing, retry policy, timeouts, counters. */
function senderFor(
  ctx: Pick<AppContext, 'config' | 'log'> & Partial<Pick<AppContext, 'db'>>,
  options: QboClientOptions,
): Sender {
  const realmId = options.realmId ?? ctx.config.QBO_REALM_ID;
  if (!realmId) {
    throw new ConfigError(
      'QBO_REALM_ID is missing (needed to call QuickBooks); connect a company with `qb-bridge authorize-qbo` or set QBO_REALM_ID=9130357000000000',
      'QBO_REALM_ID',
    );
  }
  const timeScale = options.timeScale ?? options.limiter?.timeScale ?? qboTimeScale(ctx.config);
  // With the store, the realm's budget and 429 pauses are shared with every other process using it.
  const limiter = (
    options.limiter ?? sharedRateLimiter({ ...options.limiterOptions, timeScale, db: ctx.db })
  ).forRealm(realmId);
  const log = options.log ?? ctx.log;
  return {
    tokens: options.tokens,
    realmId,
    limiter,
    policy: { ...defaultRetryPolicy, ...options.retry, timeScale },
    clock: options.clock ?? realClock,
    settings: {
      apiBaseUrl: qboEndpoints(ctx.config).apiBaseUrl,
      realmId,
      minorVersion: ctx.config.QBO_MINOR_VERSION,
      timeoutMs: options.timeoutMs ?? Math.max(5_000, 125_000 / timeScale),
      fetch: options.fetch ?? globalThis.fetch,
      log,
    },
    stats: { calls: 0, throttled: 0, refreshes: 0, backoffs: 0 },
    log,
  };
}

export function createQboClient(
  ctx: Pick<AppContext, 'config' | 'log'> & Partial<Pick<AppContext, 'db'>>,
  options: QboClientOptions,
): QboClient {
  const sender = senderFor(ctx, options);
  const { realmId, limiter, settings, stats, log } = sender;
  const timeScale = sender.policy.timeScale;
  const endpoints = qboEndpoints(ctx.config);
  const call = (request: QboCall, kind: 'read' | 'write') => callWithRetries(sender, request, kind);

  async function query(statement: string, operation = 'query'): Promise<QueryResponse> {
    const answer = await call(
      { method: 'GET', path: '/query', params: { query: statement }, operation },
      'read',
    );
    const response = answer.json.QueryResponse;
    return typeof response === 'object' && response !== null ? (response as QueryResponse) : {};
  }

  const client: QboClient = {
    realmId,
    endpoints,
    minorVersion: settings.minorVersion,
    limiter,
    timeScale,
    timeoutMs: settings.timeoutMs,
    visibilityMarginMs: options.visibilityMarginMs ?? Math.max(5_000, 60_000 / timeScale),
    stats,
    log,
    call,
    async read(entity, id) {
      const operation = `read ${entity}`;
      const answer = await call(
        { method: 'GET', path: `${entityPath(entity)}/${encodeURIComponent(id)}`, operation },
        'read',
      );
      return entityOf(answer.json, entity, operation);
    },
    query,
    queryAll: (entity, where) => queryAll(client, entity, where),
    count: (entity, where) => countRows(client, entity, where),
    async create(entity, body, requestId, sendOptions) {
      const operation = `create ${entity}`;
      const answer = await call(
        {
          method: 'POST',
          path: entityPath(entity),
          body,
          operation,
          requestId,
          beforeSend: sendOptions?.beforeSend,
        },
        'write',
      );
      return entityOf(answer.json, entity, operation);
    },
    async batch(items, sendOptions) {
      const body = batchBody(items, limiter.limits.itemsPerBatch);
      const answer = await call(
        {
          method: 'POST',
          path: '/batch',
          body,
          operation: `batch of ${items.length}`,
          beforeSend: sendOptions?.beforeSend,
        },
        'write',
      );
      const list = answer.json.BatchItemResponse;
      return Array.isArray(list) ? (list as BatchItemResponse[]) : [];
    },
    async companyInfo() {
      const operation = 'read CompanyInfo';
      const answer = await call(
        { method: 'GET', path: `/companyinfo/${encodeURIComponent(realmId)}`, operation },
        'read',
      );
      return entityOf(answer.json, 'CompanyInfo', operation);
    },
  };
  return client;
}
