/**
 * An offline QuickBooks Online emulator: OAuth, the v3 API subset qb-bridge uses, batch, query, requestid
 * replay, Intuit's limits and fault bodies, and fault injection. Runs in-process (`fetch`) or as a server.
 */
import type { AddressInfo } from 'node:net';
import { type Http2Bindings, type HttpBindings, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { registerApiRoutes } from './api';
import { createClock } from './clock';
import { Company, type EntityRecord, type EntityType } from './company';
import { dropHeader, type EmulatorCore, type EmulatorStats } from './core';
import type { OperationContext } from './entities';
import { faults as faultBodies, QboFault } from './fault-bodies';
import { createFaultControls, type FaultControls } from './fault-injection';
import { faultResponse, htmlResponse, intuitTid } from './http';
import { defaultLimits, type EmulatorLimits, RateLimiter } from './limits';
import { registerOAuthRoutes } from './oauth';
import { runWrite } from './operations';
import { createRandom } from './random';
import { ReplayStore } from './replay';
import { seedCompany } from './seed';
import { defaultTokenSettings, TokenAuthority, type TokenPair } from './tokens';
import { registerWebPages } from './web-pages';

export type { EmulatorStats } from './core';
export type { FaultControls, InjectedFault } from './fault-injection';
export type { EmulatorLimits } from './limits';

export interface EmulatorOptions {
  /** 1 = real time; 60 makes a rate-limit "minute" last 1 s, and token lifetimes and grace periods likewise. */
  timeScale?: number;
  limits?: Partial<EmulatorLimits>;
  clientId?: string;
  clientSecret?: string;
  realmId?: string;
  companyName?: string;
  /** Seed the demo company (customers, items, vendors, accounts); default true. */
  seed?: boolean;
  /** Base URL for links and redirect pages; set by listen(). */
  publicUrl?: string;
  accessTokenTtlSeconds?: number;
  /** How long the previous refresh token keeps working after a rotation (default 24 h). */
  refreshGraceSeconds?: number;
  throttleStatus?: 429 | 403;
  /** Seed for every random choice (fault rates, batch shuffle, token values). */
  randomSeed?: number;
  /** Answer batch items in a shuffled order (clients must match by bId). */
  shuffleBatch?: boolean;
  /** How long a requestid's response is kept for replay; default forever (Intuit documents none). */
  requestIdTtlSeconds?: number;
  /** Wall clock, for tests that move time. */
  now?: () => number;
}

/** Every entity the emulator stores but the company record itself (one per realm, read through CompanyInfo). */
export type EmulatorEntityType = Exclude<EntityType, 'CompanyInfo'>;

export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface Emulator {
  readonly app: Hono;
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
  listen(port?: number, host?: string): Promise<RunningEmulator>;
  readonly faults: FaultControls;
  readonly realmId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The limits in force (the bench computes its ceiling from them). */
  readonly limits: Readonly<EmulatorLimits>;
  entities(realmId: string, type: EmulatorEntityType): ReadonlyArray<Record<string, unknown>>;
  stats(): EmulatorStats;
  issueTokens(realmId?: string): Omit<TokenPair, 'token_type'>;
  expireAccessTokens(): void;
  revokeRefreshToken(token: string): void;
  addEmployee(realmId: string, displayName: string): void;
  setCustomTxnNumbers(on: boolean): void;
  /**
   * The company's "Warn if duplicate … number is used" preference (default on): off, a second invoice (or
   * the same vendor's bill) with a used number is accepted instead of refused with 6140.
   */
  setDuplicateDocNumberCheck(on: boolean, realmId?: string): void;
  /** How long a requestid's answer is replayed (seconds of QuickBooks time); undefined = forever. */
  setRequestIdTtlSeconds(seconds: number | undefined): void;
  /**
   * Deletes an entity as a person in QuickBooks would (no HTTP, no limits): it leaves query results,
   * reads and the duplicate checks at once. False when it did not exist.
   */
  remove(realmId: string, type: EmulatorEntityType, id: string): boolean;
  /** Creates an entity through the same rules as POST (no HTTP, no limits); throws on a fault. */
  create(realmId: string, type: EmulatorEntityType, body: Record<string, unknown>): Record<string, unknown>;
}

function droppedConnectionError(): TypeError {
  const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  return new TypeError('fetch failed', { cause });
}

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const clock = createClock(options.timeScale ?? 1, options.now);
  const random = createRandom(options.randomSeed ?? 20_240_905);
  const limits: EmulatorLimits = { ...defaultLimits, ...options.limits };
  const realmId = options.realmId ?? '9341453000000000';
  const clientId = options.clientId ?? 'emulator-client';
  const clientSecret = options.clientSecret ?? 'emulator-secret';
  const companyName = options.companyName ?? 'Sandbox Company_US_1';
  const seed = options.seed ?? true;
  let publicUrl = options.publicUrl ?? 'http://127.0.0.1:8788';
  const companies = new Map<string, Company>();
  let customTxnNumbers = true;

  const contextFor = (company: Company): OperationContext => ({
    company,
    nowMs: clock.now(),
    visibleSeq: Number.POSITIVE_INFINITY,
    allowDuplicateDocNum: false,
  });

  const ensureCompany = (id: string): Company => {
    let company = companies.get(id);
    if (!company) {
      company = new Company(id);
      company.customTxnNumbers = customTxnNumbers;
      companies.set(id, company);
      seedCompany(contextFor(company), id === realmId ? companyName : `Sandbox Company ${id}`, seed);
      // Seeds are committed "long ago" (time 0); everything after is stamped for the query lag.
      company.clock = clock.now;
    }
    return company;
  };
  ensureCompany(realmId);

  const tokens = new TokenAuthority(clock, {
    ...defaultTokenSettings,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? defaultTokenSettings.accessTokenTtlSeconds,
    refreshGraceSeconds: options.refreshGraceSeconds ?? defaultTokenSettings.refreshGraceSeconds,
  });
  const faultControls = createFaultControls();
  const core: EmulatorCore = {
    clock,
    random,
    tokens,
    limiter: new RateLimiter(limits, clock),
    faults: faultControls,
    replay: new ReplayStore(
      clock.now,
      options.requestIdTtlSeconds === undefined ? undefined : clock.scaledMs(options.requestIdTtlSeconds),
    ),
    batchRequestIds: new Set(),
    counters: { requests: 0, throttled: 0, byPath: {} },
    throttleStatus: options.throttleStatus ?? 429,
    shuffleBatch: options.shuffleBatch ?? false,
    publicUrl: () => publicUrl,
    company: (id) => companies.get(id),
  };

  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('intuit_tid', intuitTid(random, clock.now()));
  });
  app.get('/', (c) =>
    c.html(
      `<!doctype html><title>QuickBooks Online emulator</title><h1>QuickBooks Online emulator</h1><p>Company ${realmId} (${companyName}). API under <code>/v3/company/${realmId}/</code>; OAuth at <code>/connect/oauth2</code> and <code>/oauth2/v1/tokens/bearer</code>.</p>`,
    ),
  );
  app.get('/comm/invoice/:realmId/:id', (c) => {
    const invoice = companies.get(c.req.param('realmId'))?.get('Invoice', c.req.param('id'));
    if (!invoice) return htmlResponse(404, '<!doctype html><h1>Invoice not found</h1>');
    const customer = (invoice.CustomerRef as { name?: string } | undefined)?.name ?? '';
    return c.html(
      `<!doctype html><title>Invoice ${String(invoice.DocNumber ?? invoice.Id)}</title><h1>Invoice ${String(invoice.DocNumber ?? invoice.Id)}</h1><p>${customer.replace(/[<>&]/g, '')}: balance due ${String(invoice.Balance)} USD by ${String(invoice.DueDate)}</p>`,
    );
  });
  registerOAuthRoutes(app, tokens, {
    clientId,
    clientSecret,
    defaultRealmId: realmId,
    companyName: (id) =>
      String(companies.get(id)?.list('CompanyInfo')[0]?.CompanyName ?? `Sandbox Company ${id}`),
    ensureCompany: (id) => void ensureCompany(id),
  });
  registerApiRoutes(app, core);
  registerWebPages(app, {
    *companies() {
      const home = companies.get(realmId);
      if (home) yield home;
      for (const company of companies.values()) if (company !== home) yield company;
    },
  });
  // Any other API-looking path answers QBO's "Unsupported Operation" (code 500, HTTP 400).
  app.all('/v3/*', (c) => {
    const url = new URL(c.req.url);
    return faultResponse(faultBodies.unsupportedOperation(url.pathname, url.toString()), clock.now());
  });

  const emulator: Emulator = {
    app,
    faults: faultControls,
    realmId,
    clientId,
    clientSecret,
    limits,
    async fetch(input, init) {
      const request = input instanceof Request && init === undefined ? input : new Request(input, init);
      const { signal } = request;
      signal.throwIfAborted();
      // Like a real fetch: an abort (client timeout) rejects at once, even while the emulator still works.
      const response = await new Promise<Response>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        Promise.resolve(app.fetch(request)).then((r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        }, reject);
      });
      if (response.headers.get(dropHeader)) throw droppedConnectionError();
      return response;
    },
    async listen(port = 0, host = '127.0.0.1') {
      const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
        const s = serve(
          {
            fetch: async (request: Request, env: HttpBindings | Http2Bindings) => {
              const response = await app.fetch(request, env);
              if (response.headers.get(dropHeader)) {
                // The write is committed; the client only sees the connection die.
                env.incoming.socket.destroy();
                return new Response(null, { status: 502 });
              }
              return response;
            },
            port,
            hostname: host,
          },
          () => resolve(s),
        );
        s.once('error', reject);
      });
      const address = server.address() as AddressInfo;
      const url = `http://${host}:${address.port}`;
      if (options.publicUrl === undefined) publicUrl = url;
      return {
        url,
        port: address.port,
        close: () =>
          new Promise<void>((resolve) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
    entities(id, type) {
      return companies.get(id)?.list(type) ?? [];
    },
    stats() {
      return {
        requests: core.counters.requests,
        throttled: core.counters.throttled,
        byPath: { ...core.counters.byPath },
        tokenRefreshes: tokens.refreshes,
        codeExchanges: tokens.codeExchanges,
      };
    },
    issueTokens(id = realmId) {
      ensureCompany(id);
      const { token_type: _type, ...pair } = tokens.issue(id);
      return pair;
    },
    expireAccessTokens: () => tokens.expireAccessTokens(),
    revokeRefreshToken: (token) => void tokens.revoke(token),
    addEmployee(id, displayName) {
      runWrite(contextFor(ensureCompany(id)), 'Employee', 'create', { DisplayName: displayName });
    },
    setCustomTxnNumbers(on) {
      customTxnNumbers = on;
      for (const company of companies.values()) company.customTxnNumbers = on;
    },
    setDuplicateDocNumberCheck(on, id = realmId) {
      ensureCompany(id).duplicateDocNumberCheck = on;
    },
    setRequestIdTtlSeconds(seconds) {
      core.replay.ttlMs = seconds === undefined ? undefined : clock.scaledMs(seconds);
    },
    remove(id, type, entityId) {
      const company = companies.get(id);
      if (!company?.get(type, entityId)) return false;
      company.remove(type, entityId);
      return true;
    },
    create(id, type, body): EntityRecord {
      try {
        return runWrite(contextFor(ensureCompany(id)), type, 'create', body);
      } catch (error) {
        if (error instanceof QboFault) throw new Error(`emulator rejected the ${type}: ${error.message}`);
        throw error;
      }
    },
  };
  return emulator;
}
