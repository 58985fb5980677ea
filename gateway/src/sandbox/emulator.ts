/**
 * An offline QuickBooks Online emulator: OAuth, the v3 API subset qb-bridge uses, batch, query, requestid
 * replay, Intuit's limits and fault bodies, and fault injection. Runs in-process (`fetch`) or as a server.
 */
import type { Hono } from 'hono';
import { createClock } from './clock';
import { Companies } from './companies';
import type { EntityRecord, EntityType } from './company';
import type { EmulatorCore, EmulatorStats } from './core';
import { QboFault } from './faults/fault-bodies';
import { createFaultControls, type FaultControls } from './faults/fault-injection';
import { defaultLimits, type EmulatorLimits, RateLimiter } from './limits';
import { runWrite } from './operations';
import { createRandom } from './random';
import { ReplayStore } from './replay';
import { buildEmulatorApp } from './server/app';
import { defaultTokenSettings, TokenAuthority, type TokenPair } from './server/tokens';
import { fetchInProcess, listenOn, type RunningEmulator } from './server/transport';

export type { EmulatorStats } from './core';
export type { FaultControls, InjectedFault } from './faults/fault-injection';
export type { EmulatorLimits } from './limits';
export type { RunningEmulator } from './server/transport';

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

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const clock = createClock(options.timeScale ?? 1, options.now);
  const random = createRandom(options.randomSeed ?? 20_240_905);
  const limits: EmulatorLimits = { ...defaultLimits, ...options.limits };
  const realmId = options.realmId ?? '9341453000000000';
  const clientId = options.clientId ?? 'emulator-client';
  const clientSecret = options.clientSecret ?? 'emulator-secret';
  const companyName = options.companyName ?? 'Sandbox Company_US_1';
  let publicUrl = options.publicUrl ?? 'http://127.0.0.1:8788';
  const companies = new Companies(clock, realmId, companyName, options.seed ?? true);
  const ensureCompany = (id: string) => companies.ensure(id);

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

  const app = buildEmulatorApp(core, {
    realmId,
    companyName,
    clientId,
    clientSecret,
    companies,
    ensureCompany: (id) => void ensureCompany(id),
  });

  const emulator: Emulator = {
    app,
    faults: faultControls,
    realmId,
    clientId,
    clientSecret,
    limits,
    fetch: (input, init) => fetchInProcess(app, input, init),
    async listen(port = 0, host = '127.0.0.1') {
      const running = await listenOn(app, port, host);
      if (options.publicUrl === undefined) publicUrl = running.url;
      return running;
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
      runWrite(companies.contextFor(ensureCompany(id)), 'Employee', 'create', { DisplayName: displayName });
    },
    setCustomTxnNumbers(on) {
      companies.setCustomTxnNumbers(on);
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
        return runWrite(companies.contextFor(ensureCompany(id)), type, 'create', body);
      } catch (error) {
        if (error instanceof QboFault) throw new Error(`emulator rejected the ${type}: ${error.message}`);
        throw error;
      }
    },
  };
  return emulator;
}
