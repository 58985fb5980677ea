import type { Context } from 'hono';
import type { AppContext } from '../../app/context';
import { requireAuth } from '../../auth/middleware';
import { clientAddress } from '../../server/client-address';
import type { AppEnv } from '../../server/env';
import { HttpError } from '../../server/errors';
import type { RouteModule } from '../../server/route-module';
import { maxSoapBodyBytes, UnsafeXmlError } from '../qbxml/xml-guard';
import { createQbwcWork } from '../service';
import { resolveCredentials } from '../sessions/credentials';
import type { QbwcWork } from '../work';
import { buildQwcFile, ensureQwcIdentity, QwcUrlError, qwcUrls } from './qwc-file';
import {
  parseSoapCall,
  peekSoapCall,
  SoapClientError,
  soapFault,
  soapResponse,
  ticketFirstAboveChars,
} from './soap-envelope';
import { type CallMeta, isQbwcMethod, QbwcSoapMethods, type QbwcSoapOptions } from './soap-methods';
import { buildWsdl } from './wsdl';

/**
 * The Web Connector's HTTP surface: `POST /api/qbwc` (SOAP 1.1, the seed's path so existing .qwc files keep
 * working), the WSDL at `GET /api/qbwc[?wsdl]`, the QWC file at `GET /api/qbwc/app.qwc` (API auth), and the
 * AppSupport page QBWC fetches at `GET /qbwc/support` (same host as AppURL; says nothing about the data).
 */
export const soapPath = '/api/qbwc';
/** `…/api/qbwc/` is a common AppURL typo; the Web Connector is answered there too. */
export const soapPaths = [soapPath, `${soapPath}/`] as const;
export const supportPath = '/qbwc/support';

export interface QbwcSoapRouteOptions extends QbwcSoapOptions {
  work?: (ctx: AppContext) => QbwcWork;
  /** Largest SOAP body accepted (a SOAP fault beyond it); tests lower it. */
  maxBodyBytes?: number;
}

const xmlType = 'text/xml; charset=utf-8';

/** PUBLIC_URL when set (what the Web Connector must use), else the address this request came to. */
function publicBase(c: Context<AppEnv>): string {
  const configured = c.get('ctx').config.PUBLIC_URL;
  return (configured ?? new URL(c.req.url).origin).replace(/\/+$/, '');
}

/**
 * A large body is decoded only for a live ticket (qbwc.md §12: nothing costly before authentication). One
 * that shows a Web Connector method and a ticket that is not live gets that method's in-protocol answer
 * for such a ticket (-1, '', …), computed from the ticket alone; one that shows neither is not a Web
 * Connector call and gets a fault. Undefined: decode it as usual.
 */
async function answerBeforeDecoding(
  service: QbwcSoapMethods,
  body: string,
  soapAction: string | undefined,
  meta: CallMeta,
): Promise<{ xml: string; status: 200 | 500 } | undefined> {
  const peek = peekSoapCall(body, soapAction);
  if (peek?.ticket !== undefined && service.sessions.isLive(peek.ticket)) return undefined;
  if (!peek || peek.ticket === undefined || !isQbwcMethod(peek.method)) {
    const message = `A request of ${body.length} characters must be a Web Connector call with its <ticket> first`;
    return { xml: soapFault('Client', message), status: 500 };
  }
  const result = await service.call(peek.method, { ticket: peek.ticket }, meta);
  return { xml: soapResponse(peek.method, result), status: 200 };
}

/**
 * A body over the cap is answered in SOAP, so the Web Connector shows the user a sentence (its log and
 * dialog print the faultstring) instead of failing on a JSON 413 it cannot read.
 */
export function bodyTooLargeFault(maxBytes: number): Response {
  const mb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
  const message = `The request is larger than ${mb} MB, the most qb-bridge accepts from the Web Connector in one call; nothing was stored. Tell the qb-bridge administrator which company file this was.`;
  return new Response(soapFault('Client', message), { status: 500, headers: { 'Content-Type': xmlType } });
}

export function createQbwcSoapRoutes(options: QbwcSoapRouteOptions = {}): RouteModule {
  const services = new WeakMap<AppContext, QbwcSoapMethods>();
  const serviceFor = (ctx: AppContext) => {
    let service = services.get(ctx);
    if (!service) {
      service = new QbwcSoapMethods(ctx, (options.work ?? createQbwcWork)(ctx), options);
      services.set(ctx, service);
    }
    return service;
  };

  return {
    name: 'qbwc-soap',
    bodyLimits: Object.fromEntries(soapPaths.map((p) => [p, options.maxBodyBytes ?? maxSoapBodyBytes])),
    bodyTooLarge: Object.fromEntries(soapPaths.map((p) => [p, bodyTooLargeFault])),
    register(app) {
      for (const path of soapPaths) {
        app.get(path, (c) =>
          c.body(buildWsdl(`${publicBase(c)}${soapPath}`), 200, { 'Content-Type': xmlType }),
        );
      }

      app.on('POST', [...soapPaths], async (c) => {
        const body = await c.req.text();
        const meta: CallMeta = {
          remoteIp: clientAddress(c),
          userAgent: c.req.header('user-agent'),
          requestId: c.get('requestId'),
        };
        const ctx = c.get('ctx');
        if (body.length > ticketFirstAboveChars) {
          const early = await answerBeforeDecoding(serviceFor(ctx), body, c.req.header('soapaction'), meta);
          if (early !== undefined) {
            ctx.log.warn(
              { requestId: meta.requestId, chars: body.length, remoteIp: meta.remoteIp },
              'qbwc large request without a live ticket answered undecoded',
            );
            return c.body(early.xml, early.status, { 'Content-Type': xmlType });
          }
        }
        let call: ReturnType<typeof parseSoapCall>;
        try {
          call = parseSoapCall(body, c.req.header('soapaction'));
        } catch (error) {
          if (!(error instanceof SoapClientError || error instanceof UnsafeXmlError)) throw error;
          ctx.log.warn({ requestId: meta.requestId, reason: error.message }, 'qbwc request refused');
          return c.body(soapFault('Client', error.message), 500, { 'Content-Type': xmlType });
        }
        try {
          const result = await serviceFor(ctx).call(call.method, call.params, meta);
          return c.body(soapResponse(call.method, result), 200, { 'Content-Type': xmlType });
        } catch (error) {
          if (!(error instanceof SoapClientError)) throw error;
          return c.body(soapFault('Client', error.message), 500, { 'Content-Type': xmlType });
        }
      });

      app.get(`${soapPath}/app.qwc`, requireAuth, (c) => {
        const ctx = c.get('ctx');
        let urls: ReturnType<typeof qwcUrls>;
        try {
          urls = qwcUrls(c.req.query('url') ?? publicBase(c));
        } catch (error) {
          if (!(error instanceof QwcUrlError)) throw error;
          throw new HttpError(400, 'invalid_url', `${error.message}. Set PUBLIC_URL or pass ?url=`);
        }
        const qwc = buildQwcFile({
          urls,
          username: resolveCredentials(ctx.db, ctx.config).username,
          identity: ensureQwcIdentity(ctx.db),
        });
        return c.body(qwc, 200, {
          'Content-Type': 'application/x-qwc; charset=utf-8',
          'Content-Disposition': 'attachment; filename="qb-bridge.qwc"',
        });
      });

      app.get(supportPath, (c) =>
        c.html(
          '<!doctype html><html><head><title>qb-bridge Web Connector</title></head><body><h1>qb-bridge</h1><p>This address receives QuickBooks Web Connector updates for qb-bridge. For help, contact the person who gave you the QWC file; sync results are on the qb-bridge dashboard.</p></body></html>',
        ),
      );
    },
  };
}

export const qbwcSoapRoutes: RouteModule = createQbwcSoapRoutes();
