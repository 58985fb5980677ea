import type { SyncFetch } from './sync-fetch';

export interface FetchRecord {
  method: string;
  url: string;
  status: number;
}

interface FetchParams {
  method?: string;
  headers?: Record<string, string>;
  payload?: string;
  contentType?: string;
  muteHttpExceptions?: boolean;
}

/** UrlFetchApp: only URLs under the manifest's urlFetchWhitelist (plus test prefixes), blocking. */
export function createUrlFetchApp(options: {
  allowed: string[];
  fetch: SyncFetch;
  fetches: FetchRecord[];
  onFetch?: (request: { method: string; url: string }, index: number) => void;
}) {
  let fetchIndex = 0;
  return {
    fetch(url: string, params: FetchParams = {}) {
      if (!options.allowed.some((prefix) => url.startsWith(prefix))) {
        throw new Error(`Exception: The URL ${url} is not allowed by the manifest's urlFetchWhitelist.`);
      }
      const method = (params.method ?? 'get').toUpperCase();
      options.onFetch?.({ method, url }, fetchIndex++);
      const headers: Record<string, string> = { ...(params.headers ?? {}) };
      if (params.contentType) headers['content-type'] = params.contentType;
      const response = options.fetch.fetch(url, {
        method,
        headers,
        ...(params.payload !== undefined ? { body: params.payload } : {}),
      });
      options.fetches.push({ method, url, status: response.status });
      if (response.status >= 400 && !params.muteHttpExceptions) {
        throw new Error(`Exception: Request failed for ${url} returned code ${response.status}.`);
      }
      return {
        getResponseCode: () => response.status,
        getContentText: () => response.body,
        getHeaders: () => response.headers,
      };
    },
  };
}
