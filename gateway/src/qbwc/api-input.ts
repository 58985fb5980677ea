/** Reading REST bodies and query strings for `/api/qbwc/*`: narrow `unknown`, answer 400 with a sentence. */
import { badRequest } from '../server/errors';
import {
  isMappedMetricKey,
  isMatchType,
  type MappingInput,
  mappedMetricKeys,
  matchTypes,
  retiredSeedMetricKeys,
  specificPriorityDefault,
} from './metrics/mappings';
import { isPeriod } from './metrics/plan';
import type { ReprocessScope } from './metrics/reprocess';

export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('Send a JSON object as the request body');
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

/** A full mapping for POST (`partial` false) or the fields present for PUT. */
export function readMappingBody(body: Record<string, unknown>, partial: true): Partial<MappingInput>;
export function readMappingBody(body: Record<string, unknown>, partial: false): MappingInput;
export function readMappingBody(body: Record<string, unknown>, partial: boolean): Partial<MappingInput> {
  const out: Partial<MappingInput> = {};
  const key = body.qbr_metric_key;
  if (key !== undefined) {
    if (!isMappedMetricKey(key)) {
      // A key seed users added gets the sentence saying what replaces it, not just the list.
      const retired = retiredSeedMetricKeys[String(key)];
      throw badRequest(retired ?? `qbr_metric_key must be one of ${mappedMetricKeys.join(', ')}`);
    }
    out.metricKey = key;
  } else if (!partial) throw badRequest(`qbr_metric_key is required (one of ${mappedMetricKeys.join(', ')})`);
  const pattern = optionalString(body, 'qb_account_pattern');
  if (pattern !== undefined) out.pattern = pattern;
  else if (!partial) throw badRequest('qb_account_pattern is required, e.g. "%Payroll%"');
  const matchType = body.match_type;
  if (matchType !== undefined) {
    if (!isMatchType(matchType)) throw badRequest(`match_type must be one of ${matchTypes.join(', ')}`);
    out.matchType = matchType;
  } else if (!partial) out.matchType = 'contains';
  const priority = body.priority;
  if (priority !== undefined) {
    if (typeof priority !== 'number' || !Number.isInteger(priority)) {
      throw badRequest('priority must be a whole number (higher wins)');
    }
    out.priority = priority;
  } else if (!partial) out.priority = specificPriorityDefault;
  const active = body.is_active;
  if (active !== undefined) {
    if (typeof active !== 'boolean') throw badRequest('is_active must be true or false');
    out.isActive = active;
  } else if (!partial) out.isActive = true;
  if (body.notes !== undefined) {
    if (body.notes !== null && typeof body.notes !== 'string')
      throw badRequest('notes must be a string or null');
    out.notes = body.notes;
  } else if (!partial) out.notes = null;
  if (partial && Object.keys(out).length === 0) {
    throw badRequest(
      'Send at least one of qbr_metric_key, qb_account_pattern, match_type, priority, is_active, notes',
    );
  }
  return out;
}

export function readReprocessBody(body: Record<string, unknown>): ReprocessScope {
  const { period, all } = body;
  if (all === true && period === undefined) return { all: true };
  if (all === undefined && isPeriod(period)) return { period };
  if (all === undefined && typeof period === 'string') {
    throw badRequest(
      `period "${period.slice(0, 20)}" is not a month: write YYYY-MM with a month from 01 to 12, e.g. 2025-01`,
    );
  }
  throw badRequest('Send {"period": "YYYY-MM"} for one month or {"all": true} for every stored month');
}

export function readPeriodQuery(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!isPeriod(value)) throw badRequest(`${name} must be a month written YYYY-MM, e.g. 2025-01`);
  return value;
}

export function readLimit(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw badRequest(`limit must be a whole number from 1 to ${max}`);
  }
  return Number(value);
}
