/** The emulator against the recorded QBO bodies in test/fixtures/qbo (copied from qbo-api.md). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../gateway/src/sandbox/emulator';
import { apiClient, emulatorWithToken, firstError } from './helpers';
import { shapeDifferences } from './shape';

const fixtureDir = path.join(import.meta.dirname, '..', 'fixtures', 'qbo');
const fixtureText = (name: string) => readFileSync(path.join(fixtureDir, name), 'utf8');
const fixture = (name: string) => JSON.parse(fixtureText(name)) as Record<string, unknown>;
type Json = Record<string, unknown>;

describe('emulator conformance with recorded QBO responses', () => {
  it('answers the recorded invoice create with the recorded response shape', async () => {
    const { api, emulator } = emulatorWithToken();
    // The recording's company auto-numbers (it sent no DocNumber and got "1043").
    emulator.setCustomTxnNumbers(false);
    const result = await api('POST', 'invoice', fixture('invoice-create-request.json'));
    const recorded = fixture('invoice-create-response.json');
    expect(result.status).toBe(200);
    // The recording's company defines one custom field ("Crew #"); the demo company defines none.
    const differences = shapeDifferences(recorded, result.json).filter(
      (d) => !d.startsWith('$.Invoice.CustomField'),
    );
    expect(differences).toEqual([]);
    const invoice = result.json.Invoice as Json;
    const recordedInvoice = recorded.Invoice as Json;
    for (const key of [
      'CustomerRef',
      'BillAddr',
      'ShipAddr',
      'TotalAmt',
      'Balance',
      'PrintStatus',
      'EmailStatus',
      'TxnTaxDetail',
    ]) {
      expect(invoice[key], key).toEqual(recordedInvoice[key]);
    }
    expect(invoice.Line).toEqual(recordedInvoice.Line);
    expect(Object.keys(invoice).slice(0, 9)).toEqual(Object.keys(recordedInvoice).slice(0, 9));
    expect(result.json.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-07:00$/);
  });

  it('answers a customer create with the recorded shape and key order', async () => {
    const { api } = emulatorWithToken();
    const result = await api('POST', 'customer', { DisplayName: 'Doe5, Jane' });
    const recorded = fixture('customer-create-response.json');
    expect(shapeDifferences(recorded, result.json)).toEqual([]);
    expect(Object.keys(result.json.Customer as Json)).toEqual(Object.keys(recorded.Customer as Json));
  });

  it('answers 6240 and 6140 with the recorded bodies', async () => {
    const { api } = emulatorWithToken();
    const dupName = await api('POST', 'customer', { DisplayName: 'Weiskopf Consulting' });
    const recordedName = fixture('fault-6240-duplicate-name.json');
    expect(dupName.status).toBe(400);
    expect(dupName.headers.get('content-type')).toBe('application/json');
    expect({ ...dupName.json, time: 'T' }).toEqual({ ...recordedName, time: 'T' });

    const request = fixture('invoice-create-request.json');
    const first = await api('POST', 'invoice', { ...request, DocNumber: 'O0010714' });
    const dup = await api('POST', 'invoice', { ...request, DocNumber: 'O0010714' });
    const recordedDoc = fixture('fault-6140-duplicate-docnumber.json');
    expect(shapeDifferences(recordedDoc, dup.json)).toEqual([]);
    const expectedDetail = String(firstError(recordedDoc).Detail).replace(
      'TxnId=45823',
      `TxnId=${String((first.json.Invoice as Json).Id)}`,
    );
    expect(firstError(dup.json)).toEqual({ ...firstError(recordedDoc), Detail: expectedDetail });
  });

  it('answers an unknown path and a bad id like the recorded 500 and 2030 faults', async () => {
    const { api, emulator } = emulatorWithToken();
    const unsupported = await api('GET', 'customer/1/5');
    expect(unsupported.status).toBe(400);
    expect(shapeDifferences(fixture('fault-500-unsupported.json'), unsupported.json)).toEqual([]);
    expect(String(firstError(unsupported.json).Detail)).toContain(
      `/v3/company/${emulator.realmId}/customer/1/5`,
    );
    const badId = await api('GET', 'customer/1.5');
    expect(firstError(badId.json)).toEqual(firstError(fixture('fault-2030-invalid-id.json')));
  });

  it('answers an unknown token with the recorded lowercase 401 envelope', async () => {
    const emulator = createEmulator();
    const result = await apiClient(emulator, () => 'not-a-token')('GET', 'customer/1');
    const recorded = fixture('fault-401-lowercase.json');
    expect(result.status).toBe(401);
    expect(Object.keys(result.json)).toEqual(Object.keys(recorded));
    expect(shapeDifferences(recorded, result.json)).toEqual([]);
    const error = (result.json.fault as { error: Json[] }).error[0] as Json;
    const recordedError = (recorded.fault as { error: Json[] }).error[0] as Json;
    expect({ ...error, detail: '' }).toEqual({ ...recordedError, detail: '' });
  });

  it('answers the recorded count and empty query shapes', async () => {
    const { api } = emulatorWithToken();
    const count = await api('GET', 'query', undefined, { query: 'SELECT COUNT(*) FROM Customer' });
    expect(shapeDifferences(fixture('query-count.json'), count.json)).toEqual([]);
    expect((count.json.QueryResponse as Json).totalCount).toBe(8);
    const empty = await api('GET', 'query', undefined, {
      query: "select * from Customer where DisplayName = 'Nobody'",
    });
    expect(empty.json.QueryResponse).toEqual({});
  });

  it('answers the recorded batch with the recorded item shapes', async () => {
    const { api } = emulatorWithToken();
    const stale = (await api('POST', 'invoice', fixture('invoice-create-request.json'))).json.Invoice as Json;
    await api('POST', 'invoice', { Id: stale.Id, SyncToken: '0', sparse: true, PrivateNote: 'someone else' });
    // The recording updated a SalesReceipt; the emulator has no SalesReceipt, so item 3 updates a stale Invoice.
    const request = fixture('batch-request.json') as { BatchItemRequest: Json[] };
    const items = request.BatchItemRequest.map((item) =>
      item.bId === 'bid3'
        ? {
            bId: 'bid3',
            operation: 'update',
            Invoice: { sparse: true, Id: stale.Id, SyncToken: '0', PrivateNote: 'A private note.' },
          }
        : item.bId === 'bid4'
          ? { bId: 'bid4', Query: "select * from Invoice where TotalAmt > '50.00'" }
          : item,
    );
    const result = await api('POST', 'batch', { BatchItemRequest: items });
    expect(result.status).toBe(200);
    const recorded = fixture('batch-response-items-1-3.json') as { BatchItemResponse: Json[] };
    const answered = result.json.BatchItemResponse as Json[];
    expect(answered.map((i) => i.bId)).toEqual(['bid1', 'bid2', 'bid3', 'bid4']);
    expect(shapeDifferences(recorded.BatchItemResponse[0], answered[0])).toEqual([]);
    expect(answered[1]).toEqual(recorded.BatchItemResponse[1]);
    const staleError = firstError(answered[2] as Json);
    const recordedStale = firstError(recorded.BatchItemResponse[2] as Json);
    expect({ ...staleError, Detail: '' }).toEqual({ ...recordedStale, Detail: '' });
    expect(String(staleError.Detail)).toMatch(
      /^Stale Object Error : You and .+ were working on this at the same time\./,
    );
    expect(answered[3]).toMatchObject({ QueryResponse: { startPosition: 1, maxResults: 1 } });
  });

  it('throttles with the recorded XML body even for a JSON client', async () => {
    const { api } = emulatorWithToken({ limits: { perSecond: 1 }, timeScale: 0.001 });
    await api('GET', 'customer/1');
    const throttled = await api('GET', 'customer/1');
    expect(throttled.status).toBe(429);
    const normalise = (xml: string) => xml.replace(/time="[^"]+"/, 'time="T"').trim();
    expect(normalise(throttled.text)).toBe(normalise(fixtureText('throttle-429.xml')));
  });

  it('answers token refreshes with the recorded field names and types', async () => {
    const emulator = createEmulator();
    const pair = emulator.issueTokens();
    const response = await emulator.fetch('http://emulator.test/oauth2/v1/tokens/bearer', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `grant_type=refresh_token&refresh_token=${pair.refresh_token}`,
    });
    const recorded = fixture('token-refresh-response.json');
    delete recorded.id_token; // only issued with the openid scope
    expect(shapeDifferences(recorded, await response.json())).toEqual([]);
  });

  it('puts an intuit_tid header on API, OAuth and error responses', async () => {
    const { api, emulator } = emulatorWithToken();
    const responses = [
      (await api('GET', 'customer/1')).headers,
      (await api('GET', 'customer/999')).headers,
      (await emulator.fetch('http://emulator.test/oauth2/v1/tokens/bearer', { method: 'POST' })).headers,
    ];
    for (const headers of responses) expect(headers.get('intuit_tid')).toMatch(/^1-/);
  });
});
