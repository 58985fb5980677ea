/**
 * The `/v3/company/{realmId}/…` API: authentication (401 lowercase fault), minorversion, rate limits (XML
 * throttle body), injected faults, requestid replay, then the entity operation, query or batch.
 */
import type { Hono } from 'hono';
import { runBatch } from '../batch';
import { envelopeTime, sleep } from '../clock';
import type { EntityRecord, EntityType } from '../company';
import { dropHeader, type EmulatorCore } from '../core';
import type { OperationContext } from '../entities/common';
import {
  authenticateHeader,
  authenticationFailureBody,
  badGatewayHtml,
  entityTooLargeHtml,
  faults,
  gatewayTimeoutHtml,
  QboFault,
  serviceUnavailableHtml,
  throttleXml,
} from '../faults/fault-bodies';
import { type FaultPlan, planFaults } from '../faults/fault-injection';
import { entityByPath, runRead, runWrite, type WriteOperation } from '../operations';
import { parseQuery, runQuery } from '../query';
import { maxRequestIdLength } from '../replay';
import { faultResponse, htmlResponse, jsonErrorType, jsonResponse, jsonSuccessType } from './http';

/** Intuit's server-side limit: a request running longer than 120 s times out (scaled by the time scale). */
const serverTimeoutSeconds = 120;

type Route =
  | { kind: 'write'; type: EntityType }
  | { kind: 'read'; type: EntityType; id: string }
  | { kind: 'query' }
  | { kind: 'preferences' }
  | { kind: 'batch' };

function routeOf(method: string, segments: string[]): Route | undefined {
  const [first, second, ...rest] = segments;
  if (first === undefined || rest.length > 0) return undefined;
  if (first === 'query' && second === undefined && (method === 'GET' || method === 'POST'))
    return { kind: 'query' };
  if (first === 'batch' && second === undefined && method === 'POST') return { kind: 'batch' };
  if (first === 'preferences' && second === undefined && method === 'GET') return { kind: 'preferences' };
  const type = entityByPath[first.toLowerCase()];
  if (!type) return undefined;
  if (second === undefined && method === 'POST') return { kind: 'write', type };
  if (second !== undefined && method === 'GET') return { kind: 'read', type, id: second };
  return undefined;
}

export function operationContext(core: EmulatorCore, realmId: string, url: URL): OperationContext {
  const company = core.company(realmId);
  if (!company) throw new Error(`no company ${realmId}`);
  const include = (url.searchParams.get('include') ?? '').toLowerCase().split(',');
  return {
    company,
    nowMs: core.clock.now(),
    visibleSeq: Number.POSITIVE_INFINITY,
    allowDuplicateDocNum: include.includes('allowduplicatedocnum'),
  };
}

function unauthorized(core: EmulatorCore, detail: string): Response {
  return new Response(JSON.stringify(authenticationFailureBody(core.clock.now(), detail)), {
    status: 401,
    headers: { 'content-type': jsonErrorType, 'www-authenticate': authenticateHeader },
  });
}

function injectedBefore(fault: NonNullable<FaultPlan['before']>, core: EmulatorCore): Response {
  if (fault === '429') return throttled(core, core.clock.now());
  if (fault === '413') return htmlResponse(413, entityTooLargeHtml);
  if (fault === '503') return htmlResponse(503, serviceUnavailableHtml);
  if (fault === '502') return htmlResponse(502, badGatewayHtml);
  return faultResponse(faults.systemFault(), core.clock.now());
}

/** Intuit's throttle answer (counted, so tests can see it was given). */
function throttled(core: EmulatorCore, now: number): Response {
  core.counters.throttled += 1;
  return new Response(throttleXml(envelopeTime(now), core.throttleStatus), {
    status: core.throttleStatus,
    headers: { 'content-type': 'application/xml' },
  });
}

/** After a commit: lose the connection, or hold the answer until Intuit's server timeout (or the client gives up). */
async function injectedAfter(
  fault: 'drop-after-commit' | 'timeout',
  core: EmulatorCore,
  signal: AbortSignal,
) {
  const dropped = () => new Response(null, { status: 502, headers: { [dropHeader]: '1' } });
  if (fault === 'drop-after-commit') return dropped();
  const clientGaveUp = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), core.clock.scaledMs(serverTimeoutSeconds));
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      { once: true },
    );
  });
  return clientGaveUp ? dropped() : htmlResponse(504, gatewayTimeoutHtml);
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw faults.invalidValue('body', 'the request body is not valid JSON');
  }
}

function decorateInvoiceLink(core: EmulatorCore, realmId: string, record: EntityRecord): EntityRecord {
  const online = record.AllowOnlineCreditCardPayment === true || record.AllowOnlineACHPayment === true;
  const email = record.BillEmail as { Address?: unknown } | undefined;
  if (!online || typeof email?.Address !== 'string') return record;
  return { ...record, InvoiceLink: `${core.publicUrl()}/comm/invoice/${realmId}/${String(record.Id)}` };
}

/** The company preferences a client consults: custom transaction numbers decide DocNumber echo vs auto. */
function preferences(ctx: OperationContext): EntityRecord {
  return {
    SalesFormsPrefs: {
      CustomTxnNumbers: ctx.company.customTxnNumbers,
      AllowDeposit: false,
      AllowDiscount: true,
      DefaultTerms: { value: '3', name: 'Net 30' },
      ETransactionEnabledStatus: 'NotApplicable',
    },
    VendorAndPurchasesPrefs: { BillableExpenseTracking: false, TrackingByCustomer: false },
    // Intuit lists these name/value pairs in OtherPrefs; the bill one follows the company's duplicate check.
    OtherPrefs: {
      NameValue: [
        { Name: 'WarnDuplicateCheckNumber', Value: 'true' },
        { Name: 'WarnDuplicateBillNumber', Value: String(ctx.company.duplicateDocNumberCheck) },
      ],
    },
    CurrencyPrefs: { MultiCurrencyEnabled: false, HomeCurrency: { value: 'USD' } },
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
  };
}

async function execute(
  core: EmulatorCore,
  bodyText: string,
  method: string,
  realmId: string,
  route: Route,
  url: URL,
  plan: FaultPlan,
): Promise<Response> {
  const ctx = operationContext(core, realmId, url);
  const time = envelopeTime(ctx.nowMs);
  if (route.kind === 'preferences') {
    return jsonResponse(200, { Preferences: preferences(ctx), time }, jsonSuccessType);
  }
  if (route.kind === 'read') {
    let record = runRead(
      ctx,
      route.type,
      route.type === 'CompanyInfo' && route.id === realmId ? '1' : route.id,
    );
    const include = (url.searchParams.get('include') ?? '').toLowerCase();
    if (route.type === 'Invoice' && include.includes('invoicelink'))
      record = decorateInvoiceLink(core, realmId, record);
    return jsonResponse(200, { [route.type]: record, time }, jsonSuccessType);
  }
  if (route.kind === 'query') {
    const statement = url.searchParams.get('query') ?? (method === 'POST' ? bodyText : '');
    if (statement.trim() === '')
      throw faults.queryParse('Encountered "<EOF>" at line 1. Was expecting "SELECT".');
    // Query lag: commits younger than the lag are not in query results yet (reads by id see them).
    const lag = core.faults.queryLagMs;
    const visibleBefore = lag > 0 ? ctx.nowMs - lag : Number.POSITIVE_INFINITY;
    const result = runQuery(
      ctx.company,
      parseQuery(statement.trim()),
      Number.POSITIVE_INFINITY,
      visibleBefore,
    );
    core.faults.afterQuery?.(statement);
    return jsonResponse(200, { QueryResponse: result, time }, jsonSuccessType);
  }
  if (route.kind === 'batch')
    return runBatch(core, ctx, parseJsonBody(bodyText), url.searchParams.get('requestid'), {
      systemFaultOnFirstCommit: plan.item === 'system-fault-after-commit',
    });
  const operationParam = (url.searchParams.get('operation') ?? 'create').toLowerCase();
  if (!['create', 'update', 'delete', 'void'].includes(operationParam)) {
    throw faults.operationNotSupported(operationParam, route.type, 'Use operation=delete or operation=void.');
  }
  const record = runWrite(ctx, route.type, operationParam as WriteOperation, parseJsonBody(bodyText));
  return jsonResponse(200, { [route.type]: record, time }, jsonSuccessType);
}

/** The answer to one admitted call: its saved replay for a repeated requestid, else the operation's own. */
async function answer(
  core: EmulatorCore,
  bodyText: string,
  method: string,
  realmId: string,
  route: Route,
  url: URL,
  plan: FaultPlan,
  requestId: string | null,
): Promise<Response> {
  if (requestId !== null && requestId.length > maxRequestIdLength) {
    return faultResponse(faults.requestIdTooLong(requestId.length), core.clock.now());
  }
  const saved = requestId !== null ? core.replay.get(realmId, requestId) : undefined;
  if (saved) {
    return new Response(saved.body, { status: saved.status, headers: { 'content-type': saved.contentType } });
  }
  let response: Response;
  try {
    response = await execute(core, bodyText, method, realmId, route, url, plan);
  } catch (error) {
    if (!(error instanceof QboFault)) throw error;
    response = faultResponse(error, core.clock.now());
  }
  if (requestId !== null) {
    const body = await response.clone().text();
    const contentType = response.headers.get('content-type') ?? jsonSuccessType;
    core.replay.save(realmId, requestId, { status: response.status, body, contentType });
  }
  return response;
}

export function registerApiRoutes(app: Hono, core: EmulatorCore): void {
  app.all('/v3/company/:realmId/*', async (c) => {
    const url = new URL(c.req.url);
    const realmId = c.req.param('realmId');
    const prefix = `/v3/company/${realmId}/`;
    const segments = url.pathname.slice(prefix.length).split('/').filter(Boolean);
    const route = routeOf(c.req.method, segments);
    core.counters.requests += 1;
    const pathKey = `${c.req.method} /${route ? (segments[0] ?? '').toLowerCase() : 'unsupported'}`;
    core.counters.byPath[pathKey] = (core.counters.byPath[pathKey] ?? 0) + 1;

    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!bearer) return unauthorized(core, 'Token invalid: no bearer access token was sent');
    const auth = core.tokens.authenticate(bearer);
    if ('failure' in auth) {
      return unauthorized(
        core,
        auth.failure === 'expired'
          ? 'Token expired: the access token has expired'
          : 'Token invalid: the access token is unknown or revoked',
      );
    }
    const now = core.clock.now();
    if (auth.realmId !== realmId || !core.company(realmId))
      return faultResponse(faults.wrongRealm(realmId), now);

    const minor = url.searchParams.get('minorversion');
    if (minor !== null && (!/^\d+$/.test(minor) || Number(minor) < 75)) {
      return faultResponse(faults.minorVersionRetired(minor), now);
    }
    if (!route) {
      return faultResponse(faults.unsupportedOperation(url.pathname, url.toString()), now);
    }

    const admission = core.limiter.admit(realmId, route.kind === 'batch');
    if (!admission.admitted) return throttled(core, now);
    try {
      if (core.faults.latencyMs > 0) await sleep(core.faults.latencyMs);
      const isWrite = route.kind === 'write' || route.kind === 'batch';
      const plan = planFaults(core.faults, isWrite, core.random, route.kind === 'batch');
      if (plan.before) return injectedBefore(plan.before, core);

      const requestId = route.kind === 'write' ? url.searchParams.get('requestid') : null;
      // A repeat of a request whose commit is still to land waits for it, then gets its saved answer.
      if (requestId !== null) await core.replay.settled(realmId, requestId);
      const bodyText = c.req.method === 'POST' ? await c.req.text() : '';
      const respond = () => answer(core, bodyText, c.req.method, realmId, route, url, plan, requestId);
      if (plan.after === 'late-commit') {
        // The client sees its connection die now; QuickBooks commits the request later all the same.
        const done = sleep(core.faults.lateCommitMs).then(respond);
        if (requestId !== null) core.replay.hold(realmId, requestId, done);
        done.catch(() => undefined);
        return new Response(null, { status: 502, headers: { [dropHeader]: '1' } });
      }
      const response = await respond();
      if (plan.after) return await injectedAfter(plan.after, core, c.req.raw.signal);
      return response;
    } finally {
      admission.release();
    }
  });
}
