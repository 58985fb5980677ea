import { straightenQuotes } from '../query';

/**
 * How QuickBooks compares display names for uniqueness, as far as we need it: surrounding and repeated
 * spaces do not make a name different, nor does case or a curly apostrophe. `nameKey` is the comparison
 * form; `cleanDisplayName` is what we send (trimmed, single spaces, straight quotes, case kept).
 */
export function cleanDisplayName(name: string): string {
  return straightenQuotes(name).replace(/\s+/g, ' ').trim();
}

export function nameKey(name: string): string {
  return cleanDisplayName(name).toLowerCase();
}
