/**
 * Exclusion patterns are shell-style globs (`*` any run of characters, `?` one character), matched against
 * the whole lower-cased name in linear time (no regular expression built from user text).
 */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

export function validatePattern(pattern: string): string {
  const text = pattern.trim().toLowerCase();
  if (text === '' || text.length > 255 || /\s/.test(text)) {
    throw new Error(`"${pattern}" is not a pattern: use a name with * and ? wildcards, e.g. *.test`);
  }
  if (/^\*+$/.test(text)) throw new Error(`"${pattern}" would exclude everything`);
  return text;
}

/**
 * Default exclusions: reserved and obviously internal names only. The seed's `*test*` excluded real
 * customers (`contest.com`, `latestnews.com`); these match whole labels or suffixes instead.
 */
export const defaultExclusions: ReadonlyArray<{ kind: 'domain' | 'cos'; pattern: string; reason: string }> = [
  { kind: 'domain', pattern: '*.test', reason: 'reserved test TLD (RFC 2606)' },
  { kind: 'domain', pattern: '*.example', reason: 'reserved example TLD (RFC 2606)' },
  { kind: 'domain', pattern: '*.invalid', reason: 'reserved TLD (RFC 2606)' },
  { kind: 'domain', pattern: '*.localhost', reason: 'reserved TLD (RFC 2606)' },
  { kind: 'domain', pattern: '*.archive', reason: 'archived mailboxes (seed default)' },
  { kind: 'cos', pattern: 'test-*', reason: 'test classes of service' },
  { kind: 'cos', pattern: '*-test', reason: 'test classes of service' },
  { kind: 'cos', pattern: '*-archive', reason: 'archived mailboxes (seed example)' },
];
