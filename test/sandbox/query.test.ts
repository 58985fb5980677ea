import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../gateway/src/sandbox/emulator';
import { parseQuery } from '../../gateway/src/sandbox/query';
import { emulatorWithToken, firstError } from './helpers';

type Json = Record<string, unknown>;

describe('emulator query language', () => {
  it('parses clauses case-insensitively, with escaped quotes, IN lists and paging', () => {
    expect(
      parseQuery(
        "select Id, DisplayName from customer Where DisplayName = 'Amy\\'s Bird Sanctuary' AND Active IN (true, false) orderby DisplayName desc startposition 11 maxresults 5",
      ),
    ).toEqual({
      entity: 'Customer',
      count: false,
      fields: ['Id', 'DisplayName'],
      where: [
        { field: 'DisplayName', op: '=', values: ["Amy's Bird Sanctuary"] },
        { field: 'Active', op: 'IN', values: [true, false] },
      ],
      orderBy: { field: 'DisplayName', descending: true },
      startPosition: 11,
      maxResults: 5,
    });
  });

  it('finds the apostrophe customer with the recorded escaped URL', async () => {
    const { emulator, tokens } = emulatorWithToken();
    // Recorded in spec/vcr/get/display_name.yml (qbo-api.md §7).
    const url = `http://emulator.test/v3/company/${emulator.realmId}/query?query=SELECT%20*%20FROM%20Customer%20WHERE%20DisplayName%20=%20%27Amy%5C%27s%20Bird%20Sanctuary%27`;
    const response = await emulator.fetch(url, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const body = (await response.json()) as Json;
    expect(body.QueryResponse).toMatchObject({ startPosition: 1, maxResults: 1, Customer: [{ Id: '1' }] });
  });

  it('rejects an unescaped or curly quote with 4000 and bad paging with the recorded 4001 texts', async () => {
    const { api } = emulatorWithToken();
    const run = async (statement: string) =>
      firstError((await api('GET', 'query', undefined, { query: statement })).json);
    expect(await run("select * from Customer where DisplayName = 'Amy's Bird Sanctuary'")).toMatchObject({
      code: '4000',
    });
    expect(String((await run('select * from Customer where DisplayName = ’Amy’')).Detail)).toContain(
      'Lexical error',
    );
    expect(await run('select * from Customer MAXRESULTS 1500')).toMatchObject({
      code: '4001',
      Detail: 'QueryValidationError: value 1500 is too large. Max allowed value is 1000',
    });
    expect(await run('select * from Customer STARTPOSITION 0')).toMatchObject({
      code: '4001',
      Detail: 'QueryValidationError: value 0 is too small. Min allowed value is 1',
    });
    expect(await run('select * from Widget')).toMatchObject({ code: '4000' });
  });

  it('hides inactive names unless Active is asked for, and supports LIKE, <, > and IN', async () => {
    const { api } = emulatorWithToken();
    await api('POST', 'vendor', { Id: '12', SyncToken: '0', sparse: true, Active: false });
    const q = async (statement: string) =>
      (await api('GET', 'query', undefined, { query: statement })).json.QueryResponse as Json;
    expect(((await q('select * from Vendor')).Vendor as Json[]).length).toBe(3);
    expect(((await q('select * from Vendor where Active IN (true, false)')).Vendor as Json[]).length).toBe(4);
    expect(
      ((await q('select * from Vendor where Active = false')).Vendor as Json[]).map((v) => v.Id),
    ).toEqual(['12']);
    expect(
      ((await q("select * from Customer where DisplayName LIKE '%bird%'")).Customer as Json[]).length,
    ).toBe(1);
    expect(
      ((await q("select * from Item where UnitPrice > '100'")).Item as Json[]).map((i) => i.Name),
    ).toEqual(['Tuition']);
    expect(((await q('select * from Item where UnitPrice < 10')).Item as Json[]).map((i) => i.Name)).toEqual([
      'Email Hosting',
    ]);
    expect(((await q("select * from Customer where Id IN ('2', '3')")).Customer as Json[]).length).toBe(2);
    expect(((await q("select * from Account where AccountType = 'Expense'")).Account as Json[]).length).toBe(
      6,
    );
  });

  it('filters transactions by DocNumber and CustomerRef and orders them', async () => {
    const { api } = emulatorWithToken();
    const line = [
      { Amount: 5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } },
    ];
    for (const [doc, customer] of [
      ['A-2', '2'],
      ['A-1', '2'],
      ['B-1', '3'],
    ] as const) {
      await api('POST', 'invoice', { DocNumber: doc, CustomerRef: { value: customer }, Line: line });
    }
    const byCustomer = await api('GET', 'query', undefined, {
      query: "select * from Invoice where CustomerRef = '2' ORDERBY DocNumber",
    });
    expect(((byCustomer.json.QueryResponse as Json).Invoice as Json[]).map((i) => i.DocNumber)).toEqual([
      'A-1',
      'A-2',
    ]);
    const viaPost = await api('POST', 'query', "select * from Invoice where DocNumber = 'B-1'");
    expect((viaPost.json.QueryResponse as Json).maxResults).toBe(1);
  });

  it('pages past 1000 rows: STARTPOSITION is 1-based and maxResults counts the rows returned', async () => {
    const emulator = createEmulator({ seed: false, randomSeed: 4 });
    for (let i = 1; i <= 1500; i++)
      emulator.create(emulator.realmId, 'Customer', { DisplayName: `Customer ${i}` });
    const tokens = emulator.issueTokens();
    const page = async (start: number) => {
      const url = new URL(`http://emulator.test/v3/company/${emulator.realmId}/query`);
      url.searchParams.set(
        'query',
        `select * from Customer ORDERBY Id STARTPOSITION ${start} MAXRESULTS 1000`,
      );
      const response = await emulator.fetch(url, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      return ((await response.json()) as { QueryResponse: Json }).QueryResponse;
    };
    const first = await page(1);
    const second = await page(1001);
    const third = await page(2001);
    expect(first.maxResults).toBe(1000);
    expect(second).toMatchObject({ startPosition: 1001, maxResults: 500 });
    expect(third).toEqual({});
    const ids = [...(first.Customer as Json[]), ...(second.Customer as Json[])].map((c) => Number(c.Id));
    expect(new Set(ids).size).toBe(1500);
    const defaultPage = await (async () => {
      const url = new URL(`http://emulator.test/v3/company/${emulator.realmId}/query`);
      url.searchParams.set('query', 'select * from Customer');
      const response = await emulator.fetch(url, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      return ((await response.json()) as { QueryResponse: Json }).QueryResponse;
    })();
    expect(defaultPage.maxResults).toBe(100);
  });
});
