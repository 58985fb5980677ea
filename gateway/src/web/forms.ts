/** Small pure helpers shared by the pages: pagination, form values, dates. */
export const pageSize = 25;

export interface PageSlice<T> {
  items: T[];
  page: number;
  pages: number;
  total: number;
}

export function pageNumber(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

export function slicePage<T>(all: readonly T[], page: number, size = pageSize): PageSlice<T> {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const current = Math.min(page, pages);
  return { items: all.slice((current - 1) * size, current * size), page: current, pages, total: all.length };
}

/** "2026-12-05T14:03:11.123Z" → "2026-12-05 14:03 UTC" (the dashboard shows UTC, like the logs). */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

export function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** A same-site path to return to after login; anything else goes to the Overview. */
export function safeNext(value: string | undefined): string {
  return value && /^\/(?![/\\])[\w\-./?=&%]*$/.test(value) ? value : '/';
}
