/**
 * Checking what callers send to `/api/v1/sync/*` (and the CLI's options): whole numbers in range, or a
 * sentence saying what is wrong. Pure, so the routes and the commands refuse the same things the same way.
 */

export class MisInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MisInputError';
  }
}

const show = (value: unknown): string => {
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** A whole number in [min, max] given as a JSON number (or digits, for query strings and the CLI). */
export function wholeNumber(
  name: string,
  value: unknown,
  min: number,
  max: number,
  options: { allowText?: boolean } = {},
): number {
  const number =
    typeof value === 'number'
      ? value
      : options.allowText && typeof value === 'string' && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new MisInputError(`${name} must be a whole number from ${min} to ${max}, got ${show(value)}`);
  }
  return number;
}

function asBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new MisInputError('The body must be a JSON object, e.g. {"batch_size": 50}');
  }
  return body as Record<string, unknown>;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new MisInputError(`${name} must be true or false, got ${show(value)}`);
  return value;
}

function noUnknown(body: Record<string, unknown>, known: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !known.includes(k));
  if (extra.length > 0) {
    throw new MisInputError(
      `Unknown field ${extra.map((k) => `"${k}"`).join(', ')}; allowed: ${known.join(', ')}`,
    );
  }
}

export const batchSizeLimit = 100;
export const maxBatchesLimit = 100_000;

export function readBatchBody(body: unknown): { batchSize: number; dryRun: boolean; retryRejected: boolean } {
  const b = asBody(body);
  noUnknown(b, ['batch_size', 'dry_run', 'retry_rejected']);
  return {
    batchSize: b.batch_size === undefined ? 50 : wholeNumber('batch_size', b.batch_size, 1, batchSizeLimit),
    dryRun: flag('dry_run', b.dry_run),
    retryRejected: flag('retry_rejected', b.retry_rejected),
  };
}

export function readAllBody(body: unknown): {
  maxBatches?: number;
  batchSize: number;
  dryRun: boolean;
  retryRejected: boolean;
} {
  const b = asBody(body);
  noUnknown(b, ['max_batches', 'batch_size', 'dry_run', 'retry_rejected']);
  return {
    maxBatches:
      b.max_batches === undefined || b.max_batches === null
        ? undefined
        : wholeNumber('max_batches', b.max_batches, 1, maxBatchesLimit),
    batchSize: b.batch_size === undefined ? 50 : wholeNumber('batch_size', b.batch_size, 1, batchSizeLimit),
    dryRun: flag('dry_run', b.dry_run),
    retryRejected: flag('retry_rejected', b.retry_rejected),
  };
}

export function readSingleBody(body: unknown): { dryRun: boolean; retryRejected: boolean } {
  const b = asBody(body);
  noUnknown(b, ['dry_run', 'retry_rejected']);
  return { dryRun: flag('dry_run', b.dry_run), retryRejected: flag('retry_rejected', b.retry_rejected) };
}

export function readPreviewQuery(
  limit: string | undefined,
  offset: string | undefined,
): { limit: number; offset: number } {
  return {
    limit:
      limit === undefined || limit === '' ? 10 : wholeNumber('limit', limit, 1, 100, { allowText: true }),
    offset:
      offset === undefined || offset === ''
        ? 0
        : wholeNumber('offset', offset, 0, 1_000_000_000, { allowText: true }),
  };
}

/** An invoice id from a path or argument: tbl_imvoice.id is a signed INT. */
export function readInvoiceId(value: string): number {
  if (!/^\d{1,10}$/.test(value))
    throw new MisInputError(`The invoice id must be a whole number, got ${show(value)}`);
  return wholeNumber('The invoice id', Number(value), 1, 2_147_483_647);
}
