import { describe, expect, it } from 'vitest';
import {
  pageStatement,
  QueryValueError,
  qboQuery,
  queryAll,
  quoteLiteral,
} from '../../gateway/src/qbo/query';

describe('query builder', () => {
  it("escapes the apostrophe in Amy's Bird Sanctuary exactly as the recorded URL does", () => {
    const statement = qboQuery('SELECT * FROM Customer WHERE DisplayName = ?', ["Amy's Bird Sanctuary"]);
    expect(statement).toBe("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'");
    expect(`/query?query=${encodeURIComponent(statement).replace(/'/g, '%27')}`).toBe(
      '/query?query=SELECT%20*%20FROM%20Customer%20WHERE%20DisplayName%20%3D%20%27Amy%5C%27s%20Bird%20Sanctuary%27',
    );
  });

  it('escapes backslashes, straightens curly quotes and rejects control characters', () => {
    expect(quoteLiteral('a\\b')).toBe("'a\\\\b'");
    expect(quoteLiteral('Amy\u2019s')).toBe("'Amy\\'s'");
    expect(() => quoteLiteral('two\nlines')).toThrow(QueryValueError);
  });

  it('fills IN lists, booleans and numbers, and refuses a placeholder count mismatch', () => {
    expect(
      qboQuery('select * from Invoice where DocNumber IN ? and Active = ? and Id > ?', [
        ['A-1', "B'2"],
        true,
        5,
      ]),
    ).toBe("select * from Invoice where DocNumber IN ('A-1', 'B\\'2') and Active = true and Id > 5");
    expect(() => qboQuery('select * from Item where Name = ?', [])).toThrow(/placeholders/);
    expect(() => qboQuery('select * from Item where Id IN ?', [[]])).toThrow(/at least one/);
  });

  it('pages by the last Id seen, inside the documented MAXRESULTS bound', () => {
    expect(pageStatement('Customer', 'Active IN (true, false)', undefined)).toBe(
      'select * from Customer where Active IN (true, false) ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000',
    );
    expect(pageStatement('Customer', 'Active IN (true, false)', "10'01")).toBe(
      "select * from Customer where Active IN (true, false) and Id > '10\\'01' ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000",
    );
    expect(pageStatement('Item', undefined, '7', 5)).toBe(
      "select * from Item where Id > '7' ORDERBY Id STARTPOSITION 1 MAXRESULTS 5",
    );
    expect(() => pageStatement('Customer', undefined, undefined, 0)).toThrow();
    expect(() => pageStatement('Customer', undefined, undefined, 1500)).toThrow();
  });

  it('stops paging on a short page or a missing entity key, not on maxResults', async () => {
    const statements: string[] = [];
    const pages = [{ Customer: [{ Id: '1' }, { Id: '2' }], maxResults: 3 }, { Customer: [{ Id: '3' }] }];
    const rows = await queryAll(
      {
        query: async (s) => {
          statements.push(s);
          return pages.shift() ?? {};
        },
      },
      'Customer',
      undefined,
      { pageSize: 2 },
    );
    expect(rows.map((r) => r.Id)).toEqual(['1', '2', '3']);
    expect(statements).toHaveLength(2);
    expect(statements[1]).toContain("where Id > '2'");
    const empty = await queryAll({ query: async () => ({}) }, 'Vendor');
    expect(empty).toEqual([]);
  });

  it('fails instead of looping when QuickBooks repeats a row it already gave', async () => {
    const page = { Customer: [{ Id: '1' }, { Id: '2' }] };
    await expect(
      queryAll({ query: async () => page }, 'Customer', undefined, { pageSize: 2 }),
    ).rejects.toThrow(/Customer 1 twice/);
  });
});
