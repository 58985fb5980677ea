/**
 * QuickBooks' query language (qbo-api.md §7): string literals escape `'` as `\'` (and `\` as `\\`), curly
 * quotes are a lexical error, pages are at most 1000 rows (paged here by `Id > 'last'`, see `pageStatement`), an empty result has
 * no entity key at all and `maxResults` counts the rows returned. Values never get spliced in by hand:
 * `qboQuery('select * from Customer where DisplayName = ?', [name])` is the only way a value enters a query.
 */

export type QueryValue = string | number | boolean | readonly (string | number)[];

export class QueryValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryValueError';
  }
}

/** Typographic quotes become straight ones: QBO's parser rejects them, and people paste them from documents. */
export function straightenQuotes(value: string): string {
  return value
    .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033]/g, '"');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const controlChars = /[\u0000-\u001f\u007f]/;

/** A quoted literal: `Amy's` → `'Amy\'s'`. Control characters cannot be expressed in a QBO query at all. */
export function quoteLiteral(value: string): string {
  const clean = straightenQuotes(value);
  if (controlChars.test(clean)) {
    throw new QueryValueError(
      `The value ${JSON.stringify(value)} contains a control character (tab, newline…); remove it before searching QuickBooks`,
    );
  }
  return `'${clean.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function literal(value: string | number | boolean): string {
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Number.isFinite(value)) throw new QueryValueError(`${value} cannot be used in a QuickBooks query`);
  return String(value);
}

/**
 * Fills each `?` with an escaped value; an array becomes `(a, b, c)` for `IN`. The number of `?` must match
 * the values (a mismatch is a programming error, caught here rather than as a QBO 4000 parse fault).
 */
export function qboQuery(template: string, values: readonly QueryValue[] = []): string {
  const parts = template.split('?');
  if (parts.length - 1 !== values.length) {
    throw new QueryValueError(`Query has ${parts.length - 1} placeholders but ${values.length} values`);
  }
  let out = parts[0]!;
  values.forEach((value, i) => {
    if (Array.isArray(value)) {
      if (value.length === 0) throw new QueryValueError('An IN (…) list needs at least one value');
      out += `(${value.map((v: string | number) => literal(v)).join(', ')})`;
    } else {
      out += literal(value as string | number | boolean);
    }
    out += parts[i + 1]!;
  });
  return out;
}

export const maxPageSize = 1000;

/**
 * One page of `select * from <entity> [where …] [and Id > 'last'] ORDERBY Id STARTPOSITION 1 MAXRESULTS m`.
 * Pages are keyed by the last Id seen, not by position: with `STARTPOSITION n` a row deleted from an earlier
 * page between two calls shifts every later row one place forward, and the row that slides across the page
 * boundary is never returned (a lookup would then read "absent" and resend). `Id > 'last'` starts each page
 * right after the last row we hold, whatever was deleted or added before it.
 */
export function pageStatement(
  entity: string,
  where: string | undefined,
  afterId: string | undefined,
  size = maxPageSize,
): string {
  if (!/^[A-Za-z]+$/.test(entity)) throw new QueryValueError(`"${entity}" is not a QuickBooks entity name`);
  if (size < 1 || size > maxPageSize) throw new QueryValueError(`MAXRESULTS must be 1…${maxPageSize}`);
  const conditions = [where?.trim() ?? '', afterId === undefined ? '' : qboQuery('Id > ?', [afterId])];
  const filter = conditions.filter((c) => c !== '').join(' and ');
  return `select * from ${entity}${filter === '' ? '' : ` where ${filter}`} ORDERBY Id STARTPOSITION 1 MAXRESULTS ${size}`;
}

/** What the client's `query()` returns: the `QueryResponse` object of the answer. */
export type QueryResponse = Record<string, unknown>;

export interface QueryRunner {
  query(statement: string, operation?: string): Promise<QueryResponse>;
}

/** Rows of one entity in a QueryResponse; the key is absent on an empty result. */
export function rowsOf<T = Record<string, unknown>>(response: QueryResponse, entity: string): T[] {
  const rows = response[entity];
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/**
 * Every row matching `where`, 1000 at a time ordered by Id, each page starting after the last Id of the one
 * before (`pageStatement`). Stops on a short page or a page without the entity key — never on `maxResults`
 * equality, which QBO has been seen to over-report. Relies on QuickBooks comparing `Id > '…'` the way it
 * orders `ORDERBY Id` (both on the numeric Id); a page that repeats a row we hold proves the two disagree,
 * and the call fails rather than loop or silently skip.
 */
export async function queryAll<T = Record<string, unknown>>(
  runner: QueryRunner,
  entity: string,
  where?: string,
  options: { pageSize?: number; onPage?: (rows: number) => void } = {},
): Promise<T[]> {
  const size = options.pageSize ?? maxPageSize;
  const all: T[] = [];
  const seen = new Set<string>();
  let afterId: string | undefined;
  for (;;) {
    const response = await runner.query(pageStatement(entity, where, afterId, size), `query ${entity}`);
    const rows = rowsOf<T>(response, entity);
    for (const row of rows) {
      const id = String((row as { Id?: unknown }).Id ?? '');
      if (id === '' || seen.has(id)) {
        throw new Error(
          `QuickBooks answered ${entity} ${id === '' ? 'without an Id' : id} twice while paging by Id; the listing is not trustworthy`,
        );
      }
      seen.add(id);
      afterId = id;
    }
    all.push(...rows);
    options.onPage?.(rows.length);
    if (rows.length < size) return all;
  }
}

/** `select count(*) from <entity> [where …]` → `totalCount` (0 when QBO answers an empty response). */
export async function countRows(runner: QueryRunner, entity: string, where?: string): Promise<number> {
  if (!/^[A-Za-z]+$/.test(entity)) throw new QueryValueError(`"${entity}" is not a QuickBooks entity name`);
  const filter = where && where.trim() !== '' ? ` where ${where}` : '';
  const response = await runner.query(`select count(*) from ${entity}${filter}`, `count ${entity}`);
  const total = response.totalCount;
  return typeof total === 'number' ? total : Number(total ?? 0) || 0;
}

/** Splits values into chunks for `IN (…)` lookups, keeping each statement comfortably short. */
export function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}
