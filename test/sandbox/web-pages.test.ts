import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config/load';
import { qboEndpoints } from '../../gateway/src/qbo/http/endpoints';
import { type LinkableEntity, qboWebLink } from '../../gateway/src/qbo/links';
import { createEmulator, type Emulator, type RunningEmulator } from '../../gateway/src/sandbox/emulator';
import { tempDir } from '../helpers/context';

/** The links the gateway prints in emulator mode must open a page, like Intuit's web app would. */
let emulator: Emulator;
let server: RunningEmulator;
let link: (entity: LinkableEntity, id: string) => string;

const hostile = `<script>alert("x")</script> Tom & 'Jerry'`;
const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; &#39;Jerry&#39;';

beforeAll(async () => {
  emulator = createEmulator({ randomSeed: 3 });
  server = await emulator.listen(0, '127.0.0.1');
  const dir = tempDir();
  const config = loadConfig(
    { DATA_DIR: dir, QBO_ENVIRONMENT: 'emulator', QBO_API_BASE_URL: server.url },
    dir,
  );
  const endpoints = qboEndpoints(config);
  link = (entity, id) => qboWebLink(endpoints, entity, id);
});
afterAll(async () => {
  await server.close();
});

async function open(url: string): Promise<{ status: number; type: string; html: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    html: await response.text(),
  };
}

describe('emulator web pages behind the QuickBooks links', () => {
  it('opens an invoice link with its customer, number, amounts and lines, escaping what clients wrote', async () => {
    const realm = emulator.realmId;
    const customer = emulator.create(realm, 'Customer', { DisplayName: hostile });
    const item = emulator.entities(realm, 'Item')[0]!;
    const invoice = emulator.create(realm, 'Invoice', {
      CustomerRef: { value: customer.Id },
      DocNumber: 'WEB-1',
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          Amount: 123.45,
          Description: '<b>May</b> hosting',
          SalesItemLineDetail: { ItemRef: { value: item.Id } },
        },
      ],
    });
    const url = link('Invoice', String(invoice.Id));
    expect(url).toBe(`${server.url}/app/invoice?txnId=${String(invoice.Id)}`);
    const page = await open(url);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.html).toContain('Invoice WEB-1');
    expect(page.html).toContain(escaped);
    expect(page.html).toContain('123.45');
    expect(page.html).toContain('&lt;b&gt;May&lt;/b&gt; hosting');
    expect(page.html).not.toContain('<script>');
    expect(page.html).not.toContain('<b>May');

    const customerPage = await open(link('Customer', String(customer.Id)));
    expect(customerPage.status).toBe(200);
    expect(customerPage.html).toContain(escaped);
    expect(customerPage.html).toContain('Active');
    expect(customerPage.html).not.toContain('<script>');
  });

  it('opens bill and vendor links', async () => {
    const realm = emulator.realmId;
    const vendor = emulator.create(realm, 'Vendor', { DisplayName: 'Paper & Ink Ltd' });
    const account = emulator.entities(realm, 'Account').find((a) => a.AccountType === 'Expense')!;
    const bill = emulator.create(realm, 'Bill', {
      VendorRef: { value: vendor.Id },
      DocNumber: 'B-77',
      Line: [
        {
          DetailType: 'AccountBasedExpenseLineDetail',
          Amount: 70,
          AccountBasedExpenseLineDetail: { AccountRef: { value: account.Id } },
        },
      ],
    });
    const billPage = await open(link('Bill', String(bill.Id)));
    expect(billPage.status).toBe(200);
    expect(billPage.html).toContain('Bill B-77');
    expect(billPage.html).toContain('Paper &amp; Ink Ltd');
    expect(billPage.html).toContain(String(account.Name));
    const vendorPage = await open(link('Vendor', String(vendor.Id)));
    expect(vendorPage.status).toBe(200);
    expect(vendorPage.html).toContain('Paper &amp; Ink Ltd');
  });

  it('answers 404 for an Id nobody has, a missing Id or one that is not a number', async () => {
    expect((await open(link('Invoice', '999999'))).status).toBe(404);
    expect((await open(link('Bill', '999999'))).status).toBe(404);
    expect((await open(link('Customer', '999999'))).status).toBe(404);
    expect((await open(link('Vendor', '999999'))).status).toBe(404);
    expect((await open(`${server.url}/app/invoice`)).status).toBe(404);
    expect((await open(`${server.url}/app/invoice?txnId=1%20or%201=1`)).status).toBe(404);
  });
});
