/** A small seedable PRNG (mulberry32) so fault rates and shuffles are reproducible in benches. */
export type Random = () => number;

export function createRandom(seed: number = Date.now()): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh random token of `bytes` bytes, URL-safe. */
export function randomToken(prefix: string, random: Random, bytes = 24): string {
  let text = '';
  for (let i = 0; i < bytes; i++) {
    text += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  }
  return `${prefix}${text}`;
}

export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
