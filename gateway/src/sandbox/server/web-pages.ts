/**
 * The QuickBooks web app pages our deep links open (qbo/links.ts, qbo-api.md §11.2), reduced to what a
 * person checking a sync needs: the record's main fields, read-only. In emulator mode the gateway's links
 * point here (endpoints.ts appUrl), so a link in the dashboard or a sheet must open something real.
 *
 * Like Intuit's, the links carry no realm: the page shows the record from the emulator's default company,
 * or from another company that has that Id when the default has none. Every value is HTML-escaped: names
 * and memos are whatever a client wrote, and this page must not run them.
 */
import type { Hono } from 'hono';
import type { Company, EntityRecord, EntityType } from '../company';
import { htmlResponse } from './http';

export interface WebPageSource {
  /** Companies to look in, the default company first. */
  companies(): Iterable<Company>;
}

const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

const refName = (ref: unknown): string =>
  typeof ref === 'object' && ref !== null ? String((ref as { name?: unknown }).name ?? '') : '';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · QuickBooks Online emulator</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:50rem}th{text-align:left;padding-right:1rem}td.amount{text-align:right}</style></head><body><p><small>QuickBooks Online emulator: read-only view</small></p><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function fields(rows: Array<[string, unknown]>): string {
  const shown = rows.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return `<table>${shown.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`;
}

function lines(record: EntityRecord): string {
  const list = Array.isArray(record.Line) ? (record.Line as Array<Record<string, unknown>>) : [];
  const rows = list
    .filter((line) => line.DetailType !== 'SubTotalLineDetail')
    .map((line) => {
      const detail = line[String(line.DetailType)] as Record<string, unknown> | undefined;
      const what = refName(detail?.ItemRef) || refName(detail?.AccountRef);
      return `<tr><td>${escapeHtml(what)}</td><td>${escapeHtml(line.Description)}</td><td class="amount">${escapeHtml(line.Amount)}</td></tr>`;
    });
  if (rows.length === 0) return '';
  return `<h2>Lines</h2><table><tr><th>Item / account</th><th>Description</th><th>Amount</th></tr>${rows.join('')}</table>`;
}

function notFound(what: string): Response {
  return htmlResponse(
    404,
    page(`${what} not found`, `<p>No ${escapeHtml(what.toLowerCase())} with that Id.</p>`),
  );
}

export function registerWebPages(app: Hono, source: WebPageSource): void {
  const find = (type: EntityType, id: string | undefined): EntityRecord | undefined => {
    // Ids are digits (links.ts refuses anything else); anything else cannot name a record.
    if (!id || !/^\d+$/.test(id)) return undefined;
    for (const company of source.companies()) {
      const record = company.get(type, id);
      if (record) return record;
    }
    return undefined;
  };

  app.get('/app/invoice', (c) => {
    const invoice = find('Invoice', c.req.query('txnId'));
    if (!invoice) return notFound('Invoice');
    const voided = invoice.PrivateNote === 'Voided' && Number(invoice.TotalAmt) === 0;
    return c.html(
      page(
        `Invoice ${String(invoice.DocNumber ?? invoice.Id)}`,
        fields([
          ['Customer', refName(invoice.CustomerRef)],
          ['Invoice no.', invoice.DocNumber],
          ['Invoice date', invoice.TxnDate],
          ['Due date', invoice.DueDate],
          ['Total', invoice.TotalAmt],
          ['Balance due', invoice.Balance],
          ['Status', voided ? 'Voided' : undefined],
          ['Message', invoice.CustomerMemo && (invoice.CustomerMemo as { value?: unknown }).value],
          ['Memo', voided ? undefined : invoice.PrivateNote],
        ]) + lines(invoice),
      ),
    );
  });

  app.get('/app/bill', (c) => {
    const bill = find('Bill', c.req.query('txnId'));
    if (!bill) return notFound('Bill');
    return c.html(
      page(
        `Bill ${String(bill.DocNumber ?? bill.Id)}`,
        fields([
          ['Vendor', refName(bill.VendorRef)],
          ['Bill no.', bill.DocNumber],
          ['Bill date', bill.TxnDate],
          ['Due date', bill.DueDate],
          ['Total', bill.TotalAmt],
          ['Balance', bill.Balance],
          ['Memo', bill.PrivateNote],
        ]) + lines(bill),
      ),
    );
  });

  const nameDetail = (type: 'Customer' | 'Vendor', path: string) =>
    app.get(path, (c) => {
      const record = find(type, c.req.query('nameId'));
      if (!record) return notFound(type);
      const email = (record.PrimaryEmailAddr as { Address?: unknown } | undefined)?.Address;
      return c.html(
        page(
          String(record.DisplayName ?? `${type} ${String(record.Id)}`),
          fields([
            ['Type', type],
            ['Display name', record.DisplayName],
            ['Company', record.CompanyName],
            ['Email', email],
            ['Open balance', record.Balance],
            ['Status', record.Active === false ? 'Inactive' : 'Active'],
          ]),
        ),
      );
    });
  nameDetail('Customer', '/app/customerdetail');
  nameDetail('Vendor', '/app/vendordetail');
}
