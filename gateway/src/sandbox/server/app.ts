/**
 * The emulator's HTTP surface in one Hono app: a landing page, the invoice page customers open from an
 * e-mailed link, OAuth, the v3 API, the read-only company pages, and Intuit's answer to any other v3 path.
 */
import { Hono } from 'hono';
import type { Companies } from '../companies';
import type { EmulatorCore } from '../core';
import { faults as faultBodies } from '../faults/fault-bodies';
import { registerApiRoutes } from './api';
import { faultResponse, htmlResponse, intuitTid } from './http';
import { registerOAuthRoutes } from './oauth';
import { registerWebPages } from './web-pages';

export interface EmulatorAppSettings {
  realmId: string;
  companyName: string;
  clientId: string;
  clientSecret: string;
  companies: Companies;
  ensureCompany(realmId: string): void;
}

export function buildEmulatorApp(core: EmulatorCore, settings: EmulatorAppSettings): Hono {
  const { realmId, companyName, companies } = settings;
  const { clock, random, tokens } = core;
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
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    defaultRealmId: realmId,
    companyName: (id) =>
      String(companies.get(id)?.list('CompanyInfo')[0]?.CompanyName ?? `Sandbox Company ${id}`),
    ensureCompany: settings.ensureCompany,
  });
  registerApiRoutes(app, core);
  registerWebPages(app, {
    companies: () => companies,
  });
  // Any other API-looking path answers QBO's "Unsupported Operation" (code 500, HTTP 400).
  app.all('/v3/*', (c) => {
    const url = new URL(c.req.url);
    return faultResponse(faultBodies.unsupportedOperation(url.pathname, url.toString()), clock.now());
  });
  return app;
}
