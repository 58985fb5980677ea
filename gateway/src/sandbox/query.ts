/**
 * The QBO query subset qb-bridge uses (qbo-api.md §7):
 *   SELECT * | COUNT(*) | f1, f2 FROM Entity [WHERE cond [AND cond]…] [ORDERBY f [ASC|DESC]]
 *   [STARTPOSITION n] [MAXRESULTS m]
 * with `=`, `!=`, `<`, `>`, `<=`, `>=`, `IN (…)`, `LIKE '%x%'`; literals in single quotes with `\'` escapes.
 */
import { type Company, type EntityRecord, type EntityType, entityTypes, nameListTypes } from './company';
import { isRecord } from './entities/common';
import { faults } from './faults/fault-bodies';

type Token =
  | { kind: 'word'; text: string; column: number }
  | { kind: 'string'; text: string; column: number }
  | { kind: 'number'; text: string; column: number }
  | { kind: 'symbol'; text: string; column: number };

export type Literal = string | number | boolean;

export interface Condition {
  field: string;
  op: '=' | '!=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';
  values: Literal[];
}

export interface ParsedQuery {
  entity: EntityType;
  count: boolean;
  fields: string[] | '*';
  where: Condition[];
  orderBy?: { field: string; descending: boolean };
  startPosition: number;
  maxResults: number;
}

export const defaultMaxResults = 100;
export const maxMaxResults = 1000;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length)
          throw faults.queryParse(`Lexical error at line 1, column ${column}. Unterminated string literal.`);
        const c = text[i] as string;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ kind: 'string', text: value, column });
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0], column });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0], column });
      i += match[0].length;
    } else if (/[<>!]/.test(ch) && text[i + 1] === '=') {
      tokens.push({ kind: 'symbol', text: `${ch}=`, column });
      i += 2;
    } else if (ch === '<' && text[i + 1] === '>') {
      tokens.push({ kind: 'symbol', text: '!=', column });
      i += 2;
    } else if ('=<>(),*'.includes(ch)) {
      tokens.push({ kind: 'symbol', text: ch, column });
      i++;
    } else {
      // Curly quotes and other stray characters: QBO reports a lexical error (4000).
      throw faults.queryParse(`Lexical error at line 1, column ${column}. Encountered: "${ch}"`);
    }
  }
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }
  next(): Token {
    const token = this.tokens[this.index];
    if (!token) throw faults.queryParse('Encountered "<EOF>" at line 1. Was expecting more input.');
    this.index++;
    return token;
  }
  fail(token: Token | undefined, expected: string): never {
    if (!token) throw faults.queryParse(`Encountered "<EOF>" at line 1. Was expecting ${expected}.`);
    throw faults.queryParse(
      `Encountered " ${token.text} " at line 1, column ${token.column}. Was expecting ${expected}.`,
    );
  }
  isWord(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toUpperCase() === text;
  }
  expectWord(text: string): void {
    const token = this.next();
    if (token.kind !== 'word' || token.text.toUpperCase() !== text) this.fail(token, text);
  }
  expectSymbol(text: string): void {
    const token = this.next();
    if (token.kind !== 'symbol' || token.text !== text) this.fail(token, `"${text}"`);
  }
  field(): string {
    const token = this.next();
    if (token.kind !== 'word') this.fail(token, 'a field name');
    return token.text;
  }
  literal(): Literal {
    const token = this.next();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'word' && /^(true|false)$/i.test(token.text))
      return token.text.toLowerCase() === 'true';
    return this.fail(token, 'a quoted value');
  }
  integer(): number {
    const token = this.next();
    if (token.kind !== 'number' || !/^-?\d+$/.test(token.text)) this.fail(token, 'an integer');
    return Number(token.text);
  }
  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }
}

const comparison = new Set(['=', '!=', '<', '>', '<=', '>=']);

function condition(p: Parser): Condition {
  const field = p.field();
  const token = p.next();
  if (token.kind === 'symbol' && comparison.has(token.text)) {
    return { field, op: token.text as Condition['op'], values: [p.literal()] };
  }
  if (token.kind === 'word' && token.text.toUpperCase() === 'IN') {
    p.expectSymbol('(');
    const values = [p.literal()];
    while (p.peek()?.text === ',') {
      p.next();
      values.push(p.literal());
    }
    p.expectSymbol(')');
    return { field, op: 'IN', values };
  }
  if (token.kind === 'word' && token.text.toUpperCase() === 'LIKE') {
    const value = p.next();
    if (value.kind !== 'string') p.fail(value, 'a quoted pattern');
    return { field, op: 'LIKE', values: [value.text] };
  }
  return p.fail(token, 'an operator (=, <, >, IN, LIKE)');
}

export function parseQuery(text: string): ParsedQuery {
  const p = new Parser(tokenize(text));
  p.expectWord('SELECT');
  let count = false;
  let fields: string[] | '*' = '*';
  if (p.peek()?.text === '*') {
    p.next();
  } else if (p.isWord('COUNT')) {
    p.next();
    p.expectSymbol('(');
    p.expectSymbol('*');
    p.expectSymbol(')');
    count = true;
  } else {
    fields = [p.field()];
    while (p.peek()?.text === ',') {
      p.next();
      fields.push(p.field());
    }
  }
  p.expectWord('FROM');
  const entityToken = p.next();
  const entity = entityTypes.find((t) => t.toLowerCase() === entityToken.text.toLowerCase());
  if (entityToken.kind !== 'word' || !entity) p.fail(entityToken, 'an entity name');
  const query: ParsedQuery = {
    entity: entity as EntityType,
    count,
    fields,
    where: [],
    startPosition: 1,
    maxResults: defaultMaxResults,
  };
  if (p.isWord('WHERE')) {
    p.next();
    query.where.push(condition(p));
    while (p.isWord('AND')) {
      p.next();
      query.where.push(condition(p));
    }
  }
  if (p.isWord('ORDERBY') || p.isWord('ORDER')) {
    if (p.next().text.toUpperCase() === 'ORDER') p.expectWord('BY');
    const field = p.field();
    let descending = false;
    if (p.isWord('ASC') || p.isWord('DESC')) descending = p.next().text.toUpperCase() === 'DESC';
    query.orderBy = { field, descending };
  }
  for (let clause = 0; clause < 2 && !p.atEnd(); clause++) {
    if (p.isWord('STARTPOSITION')) {
      p.next();
      query.startPosition = p.integer();
    } else if (p.isWord('MAXRESULTS')) {
      p.next();
      query.maxResults = p.integer();
    }
  }
  if (!p.atEnd()) p.fail(p.peek(), '<EOF>');
  if (query.startPosition < 1) {
    throw faults.queryValidation(`value ${query.startPosition} is too small. Min allowed value is 1`);
  }
  if (query.maxResults > maxMaxResults) {
    throw faults.queryValidation(
      `value ${query.maxResults} is too large. Max allowed value is ${maxMaxResults}`,
    );
  }
  if (query.maxResults < 1)
    throw faults.queryValidation(`value ${query.maxResults} is too small. Min allowed value is 1`);
  return query;
}

/** A field's comparable value: dotted paths, and references compare by their `value`. */
function fieldValue(record: EntityRecord, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (!isRecord(current)) return undefined;
    const key = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    current = key === undefined ? undefined : current[key];
  }
  if (isRecord(current) && 'value' in current) return current.value;
  return current;
}

function compare(a: unknown, b: Literal): number | undefined {
  if (a === undefined || a === null) return undefined;
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b) ? 0 : 1;
  const an = typeof a === 'number' ? a : Number(a);
  const bn = typeof b === 'number' ? b : Number(b);
  if ((typeof a === 'number' || typeof b === 'number') && !Number.isNaN(an) && !Number.isNaN(bn)) {
    return an === bn ? 0 : an < bn ? -1 : 1;
  }
  // Names compare case-insensitively in QBO; ids compare as numbers when both are numeric.
  const as = String(a).toLowerCase();
  const bs = String(b).toLowerCase();
  if (/^\d+$/.test(as) && /^\d+$/.test(bs))
    return Number(as) === Number(bs) ? 0 : Number(as) < Number(bs) ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

function likeMatches(value: unknown, pattern: string): boolean {
  if (value === undefined || value === null) return false;
  const regex = pattern
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`, 'is').test(String(value));
}

function matches(record: EntityRecord, cond: Condition): boolean {
  const value = fieldValue(record, cond.field);
  if (cond.op === 'LIKE') return likeMatches(value, String(cond.values[0]));
  if (cond.op === 'IN') return cond.values.some((v) => compare(value, v) === 0);
  const result = compare(value, cond.values[0] as Literal);
  if (result === undefined) return false;
  switch (cond.op) {
    case '=':
      return result === 0;
    case '!=':
      return result !== 0;
    case '<':
      return result < 0;
    case '>':
      return result > 0;
    case '<=':
      return result <= 0;
    default:
      return result >= 0;
  }
}

function sortKey(value: unknown): number | string {
  if (typeof value === 'number') return value;
  const text = String(value ?? '');
  return /^\d+$/.test(text) ? Number(text) : text.toLowerCase();
}

/**
 * Runs a parsed query; answers QBO's `QueryResponse` object (empty → `{}`). `visibleBefore` hides records
 * committed after that time (the query lag of fault runs).
 */
export function runQuery(
  company: Company,
  query: ParsedQuery,
  visibleSeq = Number.POSITIVE_INFINITY,
  visibleBefore = Number.POSITIVE_INFINITY,
): EntityRecord {
  let rows = company.list(query.entity, visibleSeq, visibleBefore);
  // Name lists hide inactive rows unless the query says something about Active (qbo-api.md §7).
  if (nameListTypes.has(query.entity) && !query.where.some((c) => c.field.toLowerCase() === 'active')) {
    rows = rows.filter((r) => r.Active !== false);
  }
  rows = rows.filter((r) => query.where.every((c) => matches(r, c)));
  if (query.count) return { totalCount: rows.length };
  const order = query.orderBy ?? { field: 'Id', descending: false };
  rows = [...rows].sort((a, b) => {
    const ka = sortKey(fieldValue(a, order.field));
    const kb = sortKey(fieldValue(b, order.field));
    const base = ka === kb ? 0 : ka < kb ? -1 : 1;
    const tie = base === 0 ? Number(a.Id) - Number(b.Id) : base;
    return order.descending ? -tie : tie;
  });
  const page = rows.slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
  if (page.length === 0) return {};
  const shaped =
    query.fields === '*'
      ? page
      : page.map((row) => {
          const out: EntityRecord = { domain: 'QBO', sparse: true };
          for (const field of query.fields as string[]) {
            const key = Object.keys(row).find((k) => k.toLowerCase() === field.toLowerCase());
            if (key !== undefined) out[key] = row[key];
          }
          return out;
        });
  return { [query.entity]: shaped, startPosition: query.startPosition, maxResults: page.length };
}
