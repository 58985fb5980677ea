/** QuickBooks Online's published rate limits (qbo-api.md §2) and how close to them we run. */
export interface RateLimits {
  requestsPerMinute: number;
  requestsPerSecond: number;
  maxConcurrent: number;
  batchesPerMinute: number;
  itemsPerBatch: number;
}

/** Intuit's published numbers; concurrency stays at 4 of the allowed 10 (qbo-api.md §2.3). */
export const intuitLimits: RateLimits = {
  requestsPerMinute: 500,
  requestsPerSecond: 10,
  maxConcurrent: 4,
  batchesPerMinute: 40,
  itemsPerBatch: 30,
};

export const defaultHeadroom = 0.95;
