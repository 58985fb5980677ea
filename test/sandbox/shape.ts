/**
 * Compares the shape of an emulator answer with a recorded one: every key the recording has must exist
 * with the same JSON type (arrays compared by their first element). Values are not compared.
 */
export function shapeDifferences(recorded: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(recorded) !== kind(actual))
    return [`${path}: recorded ${kind(recorded)}, emulator ${kind(actual)}`];
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    if (recorded.length === 0 || actual.length === 0) return [];
    return shapeDifferences(recorded[0], actual[0], `${path}[0]`);
  }
  if (kind(recorded) !== 'object') return [];
  const r = recorded as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  return Object.keys(r).flatMap((key) =>
    key in a ? shapeDifferences(r[key], a[key], `${path}.${key}`) : [`${path}.${key}: missing`],
  );
}
