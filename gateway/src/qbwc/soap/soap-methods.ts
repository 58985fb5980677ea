import type { AppContext } from '../../app/context';
import { version } from '../../version';
import { recordQbrAudit } from '../audit/audit';
import { assertSafeXml, UnsafeXmlError } from '../qbxml/xml-guard';
import { defaultLockoutPolicy, type LockoutPolicy } from '../sessions/credentials';
import { type AddressLimitPolicy, defaultAddressLimitPolicy, type HashGate } from '../sessions/login-limits';
import type { SessionRow } from '../sessions/session-store';
import { type Clock, defaultSessionPolicy, QbwcSessions, type SessionPolicy } from '../sessions/sessions';
import type { QbwcWork } from '../work';
import type { CallMeta } from './call-meta';
import { clientVersionAnswer } from './client-version';
import { closeConnection, connectionError } from './soap-close';
import { defaultCompanyFileWaitMs, startCompanyFile } from './soap-company-file';
import { SoapClientError, type SoapResult } from './soap-envelope';
import { QbwcLoginGate } from './soap-login';

export type { CallMeta };

/**
 * The meaning of every method the Web Connector calls (qbwc.md §2-3). Everything a user can hit answers
 * through the protocol ("nvu", "", -1, getLastError text); only a call that is not one of these methods is
 * a SOAP fault.
 */
export const qbwcMethodNames = [
  'serverVersion',
  'getServerVersion',
  'clientVersion',
  'authenticate',
  'sendRequestXML',
  'receiveResponseXML',
  'connectionError',
  'getLastError',
  'closeConnection',
  'getInteractiveURL',
  'interactiveDone',
  'interactiveRejected',
] as const;
export type QbwcMethodName = (typeof qbwcMethodNames)[number];

export function isQbwcMethod(name: string): name is QbwcMethodName {
  return (qbwcMethodNames as readonly string[]).includes(name);
}

export interface QbwcSoapOptions {
  sessionPolicy?: SessionPolicy;
  lockout?: LockoutPolicy;
  addressLimit?: AddressLimitPolicy;
  /** Caps concurrent password hashes; one per process unless a test gives its own. */
  hashGate?: HashGate;
  clock?: Clock;
  /**
   * Older Web Connectors are told to upgrade ("O:"), between this and `warnBelow` they get a warning.
   * Default: QBWC_MIN_CLIENT_VERSION / QBWC_WARN_CLIENT_VERSION.
   */
  requireClientVersion?: string;
  warnBelowClientVersion?: string;
  /**
   * Sent as authenticate[3] with "none": the Web Connector then never schedules us more often than the
   * work side would find something new (its `minIntervalMs`, QBWC_MIN_INTERVAL_MINUTES unless changed).
   */
  minRunEverySeconds?: number;
  /** How long a session waits (NoOp) for another Web Connector's session on the same company file. */
  companyFileWaitMs?: number;
  /** How a slowed-down login waits (`lockout-policy.ts`); tests pass one that records instead. */
  loginSleep?: (ms: number) => Promise<void>;
}

type Params = Record<string, string>;

const unknownTicketMessage =
  'qb-bridge does not know this session (unknown ticket); the Web Connector will start a new one at its next run.';

/** The answer when something inside qb-bridge broke: still a protocol answer, never a stack trace. */
export function internalErrorAnswer(method: string, requestId?: string): SoapResult {
  const sentence = `qb-bridge had an internal error${requestId ? ` (request id ${requestId})` : ''}; see its log.`;
  switch (method) {
    case 'authenticate':
      return ['', 'busy', '', ''];
    case 'receiveResponseXML':
      return -1;
    case 'connectionError':
      return 'done';
    case 'getLastError':
    case 'closeConnection':
      return sentence;
    default:
      return '';
  }
}

export class QbwcSoapMethods {
  readonly sessions: QbwcSessions;
  private readonly login: QbwcLoginGate;
  private readonly requireClient: string;
  private readonly warnClient: string;
  private readonly minRunEverySeconds: string;
  private readonly companyFileWaitMs: number;
  /** clientVersion arrives before authenticate, without a ticket: remembered per address for the session row. */
  private readonly clientVersions = new Map<string, string>();

  constructor(
    private readonly ctx: AppContext,
    private readonly work: QbwcWork,
    options: QbwcSoapOptions = {},
  ) {
    this.sessions = new QbwcSessions(
      ctx.db,
      work,
      ctx.log,
      options.sessionPolicy ?? defaultSessionPolicy,
      options.clock,
    );
    this.login = new QbwcLoginGate(ctx, {
      lockout: options.lockout ?? defaultLockoutPolicy,
      addressLimit: options.addressLimit ?? defaultAddressLimitPolicy,
      hashGate: options.hashGate,
      sleep: options.loginSleep,
    });
    this.requireClient = options.requireClientVersion ?? ctx.config.QBWC_MIN_CLIENT_VERSION;
    this.warnClient = options.warnBelowClientVersion ?? ctx.config.QBWC_WARN_CLIENT_VERSION;
    this.companyFileWaitMs = options.companyFileWaitMs ?? defaultCompanyFileWaitMs;
    const everyS = options.minRunEverySeconds ?? ctx.config.QBWC_MIN_INTERVAL_MINUTES * 60;
    this.minRunEverySeconds = everyS > 0 ? String(Math.ceil(everyS)) : '';
  }

  async call(method: string, params: Params, meta: CallMeta = {}): Promise<SoapResult> {
    if (!isQbwcMethod(method)) throw new SoapClientError(`Unknown method ${method}`);
    try {
      return await this.dispatch(method, params, meta);
    } catch (error) {
      this.ctx.log.error({ err: error, method, requestId: meta.requestId }, 'qbwc method failed');
      return internalErrorAnswer(method, meta.requestId);
    }
  }

  private dispatch(method: QbwcMethodName, p: Params, meta: CallMeta): SoapResult | Promise<SoapResult> {
    switch (method) {
      case 'serverVersion':
      case 'getServerVersion':
        return `qb-bridge ${version}`;
      case 'clientVersion':
        return this.clientVersion(p.strVersion ?? '', meta);
      case 'authenticate':
        return this.authenticate(p.strUserName ?? '', p.strPassword ?? '', meta);
      case 'sendRequestXML':
        return this.sendRequestXML(p);
      case 'receiveResponseXML':
        return this.receiveResponseXML(p);
      case 'connectionError':
        return connectionError(this.ctx.db, this.sessions, p, meta);
      case 'getLastError':
        return this.getLastError(p.ticket ?? '');
      case 'closeConnection':
        return closeConnection(this.ctx.db, this.sessions, p.ticket ?? '', meta);
      case 'getInteractiveURL':
        return '';
      case 'interactiveDone':
        return 'Done';
      case 'interactiveRejected':
        return 'qb-bridge does not use interactive mode; nothing to do.';
    }
  }

  private clientVersion(reported: string, meta: CallMeta): string {
    const clean = reported.trim();
    if (meta.remoteIp && clean) {
      if (this.clientVersions.size > 1000) this.clientVersions.clear();
      this.clientVersions.set(meta.remoteIp, clean.slice(0, 40));
    }
    return clientVersionAnswer(clean, this.requireClient, this.warnClient);
  }

  private async authenticate(username: string, password: string, meta: CallMeta): Promise<string[]> {
    this.sessions.reapStale();
    const now = this.sessions.now();
    const audit = (outcome: 'success' | 'failure' | 'denied', failureReason?: string, details = {}) =>
      this.login.audit(username, meta, now, outcome, failureReason, details);
    const refused = await this.login.check(username, password, meta, now);
    if (refused) return refused;
    const { replaceable, working } = this.sessions.collisions(username);
    if (working.length > 0) {
      const postpone = this.sessions.busyPostponeSeconds(working);
      audit('denied', 'busy', { activeSession: working[0]!.id, postponeSeconds: postpone });
      return ['', 'busy', String(postpone), ''];
    }
    const { ticket, row } = this.sessions.open({
      username,
      clientVersion: meta.remoteIp ? this.clientVersions.get(meta.remoteIp) : undefined,
      remoteIp: meta.remoteIp,
    });
    for (const old of replaceable) this.sessions.supersede(old, row.id);
    if (replaceable.length > 0) {
      this.ctx.log.info(
        { sessionId: row.id, superseded: replaceable.map((r) => r.id) },
        'qbwc login replaced an unfinished session of the same user',
      );
    }
    const info = this.sessions.info(row, ticket);
    let planned: number;
    try {
      planned = Math.max(0, Math.trunc(this.work.plan(info)));
    } catch (error) {
      this.sessions.update(row, {
        status: 'failed',
        phase: 'finished',
        lastError: 'Planning the sync failed',
      });
      throw error;
    }
    this.sessions.update(row, { queriesTotal: planned });
    audit('success', undefined, {
      sessionId: row.id,
      ticketHint: row.ticketHint,
      planned,
      ...(replaceable.length > 0 ? { superseded: replaceable.map((r) => r.id) } : {}),
    });
    if (planned === 0) {
      const now = this.sessions.now().toISOString();
      this.sessions.update(row, { status: 'completed', phase: 'finished', completedAt: now });
      this.sessions.finishWork(info, 'completed');
      return [ticket, 'none', '', this.minRunEverySeconds];
    }
    return [ticket, '', '', ''];
  }

  private fail(row: SessionRow, lastError: string): '' {
    this.sessions.update(row, { lastError, status: 'active', phase: 'finished', lastPercent: -1 });
    return '';
  }

  private sendRequestXML(p: Params): string {
    const found = this.sessions.lookup(p.ticket ?? '');
    if (found.kind !== 'active') return '';
    let { row, info } = found;
    if (row.phase === 'finished') {
      if (!row.lastError) this.sessions.update(row, { lastError: 'Every request of this session is done.' });
      return '';
    }
    if (row.companyFile === null) {
      const start = startCompanyFile(
        this.ctx.db,
        this.sessions,
        row,
        {
          companyFile: p.strCompanyFileName ?? '',
          hcpResponse: p.strHCPResponse ?? '',
          qbXMLMajorVers: p.qbXMLMajorVers ?? '',
          qbXMLMinorVers: p.qbXMLMinorVers ?? '',
        },
        this.companyFileWaitMs,
      );
      if (start.kind === 'wait') return '';
      if (start.kind === 'refused') return this.fail(row, start.error);
      row = start.row;
      info = this.sessions.info(row, info.ticket);
    }
    const request = this.work.nextRequest(info);
    if (!request) {
      this.sessions.update(row, { phase: 'finished', lastError: 'Every request of this session is done.' });
      return '';
    }
    this.sessions.update(row, {
      phase: 'awaiting_response',
      currentQueryType: request.kind,
      currentPeriod: request.period ?? null,
    });
    return request.xml;
  }

  private receiveResponseXML(p: Params): number {
    const found = this.sessions.lookup(p.ticket ?? '');
    if (found.kind !== 'active') return -1;
    const { row, info } = found;
    if (row.phase !== 'awaiting_response') {
      this.fail(
        row,
        'A response arrived while no request was outstanding; the sync stopped to avoid wrong data.',
      );
      return -1;
    }
    const hresult = (p.hresult ?? '').trim();
    const message = (p.message ?? '').trim();
    if (hresult !== '') {
      const outcome = this.work.receive(info, { xml: '', hresult, message });
      const percent = outcome.percent < 0 ? Math.trunc(outcome.percent) : -1;
      const error = outcome.error ?? `QuickBooks could not process the request (${hresult}): ${message}`;
      this.sessions.update(row, { phase: 'finished', lastPercent: percent, lastError: error });
      recordQbrAudit(this.ctx.db, {
        actor: row.username,
        action: 'qbwc_sync',
        outcome: 'failure',
        resource: `session:${row.id}`,
        failureReason: message.slice(0, 200) || hresult,
        details: {
          hresult,
          ticketHint: row.ticketHint,
          queryType: row.currentQueryType,
          period: row.currentPeriod,
        },
      });
      return percent;
    }
    const xml = p.response ?? '';
    try {
      assertSafeXml(xml, { what: "QuickBooks' response" });
    } catch (error) {
      if (!(error instanceof UnsafeXmlError)) throw error;
      this.fail(row, `The response was refused: ${error.message}`);
      return -1;
    }
    const outcome = this.work.receive(info, { xml, hresult: '', message: '' });
    const percent = Math.min(100, Math.trunc(Number.isFinite(outcome.percent) ? outcome.percent : -1));
    if (percent < 0) {
      this.sessions.update(row, {
        phase: 'finished',
        lastPercent: percent,
        lastError: outcome.error ?? 'The response could not be processed.',
      });
      return percent;
    }
    this.sessions.update(row, {
      phase: percent >= 100 ? 'finished' : 'ready',
      lastPercent: percent,
      queriesCompleted: row.queriesCompleted + 1,
      lastError: null,
    });
    return percent;
  }

  private getLastError(ticket: string): string {
    const refusal = this.login.refusalMessage(ticket, this.sessions.now());
    if (refusal) return refusal;
    const found = this.sessions.lookup(ticket);
    if (found.kind === 'unknown') return unknownTicketMessage;
    if (found.row.lastError) return found.row.lastError;
    if (found.kind !== 'active') return 'This session is closed.';
    return 'NoOp';
  }
}
