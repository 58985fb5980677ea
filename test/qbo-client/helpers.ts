import type { AppContext } from '../../gateway/src/app/context';
import type { Logger } from '../../gateway/src/log/logger';
import { QboLedger } from '../../gateway/src/qbo/exactly-once/ledger';
import { createQboClient, type QboClient, type QboClientOptions } from '../../gateway/src/qbo/http/client';
import { parseTokenResponse } from '../../gateway/src/qbo/oauth/oauth';
import { createTokenVault, type TokenVault } from '../../gateway/src/qbo/oauth/token-vault';
import {
  createEmulator,
  type Emulator,
  type EmulatorOptions,
  type RunningEmulator,
} from '../../gateway/src/sandbox/emulator';
import { testContext } from '../helpers/context';

/** Emulator time scale for the suites: a QuickBooks minute lasts 100 ms, a 60 s throttle pause 100 ms. */
export const testTimeScale = 600;

export interface Harness {
  emulator: Emulator;
  server: RunningEmulator;
  ctx: AppContext;
  vault: TokenVault;
  client: QboClient;
  ledger: QboLedger;
  /** Every URL the client fetched, in order. */
  urls: string[];
  realm: string;
  close(): Promise<void>;
}

/** A listening emulator, a real store and token vault connected to it, and a client through both. */
export async function startHarness(
  options: { emulator?: EmulatorOptions; client?: Partial<QboClientOptions>; log?: Logger } = {},
): Promise<Harness> {
  // Access tokens last a real hour so the vault does not refresh proactively; tests expire them on purpose.
  const emulator = createEmulator({
    timeScale: testTimeScale,
    accessTokenTtlSeconds: 3600 * testTimeScale,
    ...options.emulator,
  });
  const server = await emulator.listen(0, '127.0.0.1');
  const ctx = testContext(
    { QBO_ENVIRONMENT: 'emulator', QBO_API_BASE_URL: server.url, QBO_REALM_ID: emulator.realmId },
    options.log,
  );
  const vault = createTokenVault(ctx);
  vault.saveFromCodeExchange(emulator.realmId, parseTokenResponse(emulator.issueTokens()), { actor: 'test' });
  const urls: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    urls.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
  // A short own timeout and visibility margin: a batch send lost in a test is provably over ~1 s later.
  const client = createQboClient(ctx, {
    tokens: vault,
    timeScale: testTimeScale,
    fetch: recordingFetch,
    timeoutMs: 600,
    visibilityMarginMs: 200,
    ...options.client,
  });
  return {
    emulator,
    server,
    ctx,
    vault,
    client,
    ledger: new QboLedger(ctx.db),
    urls,
    realm: emulator.realmId,
    async close() {
      ctx.close();
      await server.close();
    },
  };
}

export function customerId(emulator: Emulator, realm: string, name: string): string {
  const found = emulator.entities(realm, 'Customer').find((c) => c.DisplayName === name);
  if (!found) throw new Error(`no seeded customer ${name}`);
  return String(found.Id);
}

export function itemId(emulator: Emulator, realm: string, name: string): string {
  const found = emulator.entities(realm, 'Item').find((c) => c.Name === name);
  if (!found) throw new Error(`no seeded item ${name}`);
  return String(found.Id);
}

/** A simple one-line invoice payload with our DocNumber. */
export function invoicePayload(
  customer: string,
  item: string,
  docNumber: string,
  cents = 10_000,
): Record<string, unknown> {
  return {
    CustomerRef: { value: customer },
    DocNumber: docNumber,
    Line: [
      {
        DetailType: 'SalesItemLineDetail',
        Amount: cents / 100,
        SalesItemLineDetail: { ItemRef: { value: item } },
      },
    ],
  };
}

export function invoicesWithDocNumber(emulator: Emulator, realm: string, docNumber: string): number {
  return emulator.entities(realm, 'Invoice').filter((i) => i.DocNumber === docNumber).length;
}

/** `n` one-line invoices for Cool Cars numbered `<prefix>-0…`, keyed `<keyPrefix><prefix>-<i>`. */
export function coolCarsInvoices(
  h: Pick<Harness, 'emulator' | 'realm'>,
  prefix: string,
  n: number,
  keyPrefix = '',
): Array<{
  key: string;
  entity: 'Invoice';
  payload: Record<string, unknown>;
  lookup: { docNumber: string };
}> {
  const customer = customerId(h.emulator, h.realm, 'Cool Cars');
  const item = itemId(h.emulator, h.realm, 'Hours');
  return Array.from({ length: n }, (_, i) => ({
    key: `${keyPrefix}${prefix}-${i}`,
    entity: 'Invoice' as const,
    payload: invoicePayload(customer, item, `${prefix}-${i}`, 10_000),
    lookup: { docNumber: `${prefix}-${i}` },
  }));
}
