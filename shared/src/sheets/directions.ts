/**
 * Which way money moves for a row, from its `inv_from` (SHEETS_DIRECTIONS_FILE, seed 001's
 * `qb_directions.json`): `money_in` → an Invoice we send, `money_out` → a Bill someone sent us.
 * Names are matched trimmed and case-insensitively, after `aliases`. Unlike the seed, a name in neither
 * list is an error on the row (the seed invoiced it silently), and a name in both lists is refused when
 * the file is read.
 */
export type Direction = 'money_in' | 'money_out';

export interface Directions {
  moneyIn: ReadonlySet<string>;
  moneyOut: ReadonlySet<string>;
  aliases: ReadonlyMap<string, string>;
  /** False when no file is configured: then every row is money in (invoice only, as the seed pilot ran). */
  configured: boolean;
}

const norm = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

export const allMoneyIn: Directions = {
  moneyIn: new Set(),
  moneyOut: new Set(),
  aliases: new Map(),
  configured: false,
};

function names(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new Error(`"${field}" must be a list of names, like ["ACD"]`);
  }
  return (value as string[]).map(norm).filter((v) => v !== '');
}

/** Reads the directions file's JSON; throws a sentence naming what is wrong. */
export function parseDirections(json: unknown): Directions {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('The directions file must be a JSON object with "money_in", "money_out" and "aliases"');
  }
  const raw = json as Record<string, unknown>;
  const moneyIn = new Set(names(raw.money_in, 'money_in'));
  const moneyOut = new Set(names(raw.money_out, 'money_out'));
  const both = [...moneyIn].filter((n) => moneyOut.has(n));
  if (both.length > 0) {
    throw new Error(`"${both[0]}" is listed in both money_in and money_out; keep it in one of them`);
  }
  const aliases = new Map<string, string>();
  if (raw.aliases !== undefined) {
    if (typeof raw.aliases !== 'object' || raw.aliases === null || Array.isArray(raw.aliases)) {
      throw new Error('"aliases" must be an object like {"acd inc": "ACD"}');
    }
    for (const [from, to] of Object.entries(raw.aliases as Record<string, unknown>)) {
      if (typeof to !== 'string') throw new Error(`alias "${from}" must map to a name (text)`);
      aliases.set(norm(from), norm(to));
    }
  }
  return { moneyIn, moneyOut, aliases, configured: true };
}

export type DirectionResult = { ok: true; direction: Direction } | { ok: false; error: string };

export function directionOf(invFrom: string, directions: Directions): DirectionResult {
  if (!directions.configured) return { ok: true, direction: 'money_in' };
  const key = norm(invFrom);
  if (key === '') {
    return {
      ok: false,
      error: 'inv_from is empty; fill in who issued the invoice (see the directions file)',
    };
  }
  const name = directions.aliases.get(key) ?? key;
  if (directions.moneyOut.has(name)) return { ok: true, direction: 'money_out' };
  if (directions.moneyIn.has(name)) return { ok: true, direction: 'money_in' };
  return {
    ok: false,
    error: `inv_from "${invFrom.trim()}" is in neither money_in nor money_out of the directions file; add it there (or an alias) or correct the cell`,
  };
}
