import type { AppContext } from '../../app/context';
import type { HealthContributor } from '../../server/health';
import { type ConnectionState, listTokenRows, type TokenRow } from './token-store';

/** What the CLI, /healthz and the dashboard show about one connected company. Never holds a token. */
export interface ConnectionStatus {
  realmId: string;
  companyName: string | null;
  environment: string;
  status: ConnectionState;
  reason: string | null;
  connectedAt: string;
  accessExpiresAt: string | null;
  refreshExpiresAt: string | null;
  hardExpiresAt: string | null;
  warnings: string[];
}

const dayMs = 24 * 60 * 60 * 1000;
/** Intuit's hard expiry cannot be extended: a month gives people time to reconnect before syncs stop. */
export const expiryWarningMs = 30 * dayMs;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isoTime = (ms: number) => new Date(ms).toISOString();

function inDays(ms: number, nowMs: number): string {
  const days = Math.max(0, Math.ceil((ms - nowMs) / dayMs));
  return days === 0 ? 'today' : days === 1 ? 'in 1 day' : `in ${days} days`;
}

export function reconnectAdvice(realmId: string): string {
  return `run \`qb-bridge authorize-qbo\` or open /qbo/connect to reconnect company ${realmId}`;
}

/** The sentences a person needs to act on before QuickBooks access stops. */
export function connectionWarnings(row: TokenRow, nowMs: number): string[] {
  if (row.status === 'disconnected') return [];
  if (row.status === 'reconnect_needed') {
    return [
      `QuickBooks company ${row.realm_id} needs reconnecting (${row.status_reason ?? 'the grant is no longer valid'}): ${reconnectAdvice(row.realm_id)}`,
    ];
  }
  const warnings: string[] = [];
  const hard = row.refresh_hard_expires_at_ms;
  if (hard !== null && hard - nowMs <= expiryWarningMs) {
    warnings.push(
      hard <= nowMs
        ? `refresh token hard-expired on ${isoDate(hard)}: ${reconnectAdvice(row.realm_id)}`
        : `refresh token hard-expires on ${isoDate(hard)} (${inDays(hard, nowMs)}): reconnect before then`,
    );
  }
  const rolling = row.refresh_expires_at_ms;
  if (rolling - nowMs <= expiryWarningMs && (hard === null || rolling < hard)) {
    warnings.push(
      rolling <= nowMs
        ? `refresh token expired on ${isoDate(rolling)} after going unused: ${reconnectAdvice(row.realm_id)}`
        : `refresh token expires on ${isoDate(rolling)} (${inDays(rolling, nowMs)}) unless qb-bridge talks ` +
            'to QuickBooks before then (each refresh extends it)',
    );
  }
  return warnings;
}

export function describeConnection(row: TokenRow, nowMs: number): ConnectionStatus {
  const live = row.status !== 'disconnected';
  return {
    realmId: row.realm_id,
    companyName: row.company_name,
    environment: row.environment,
    status: row.status,
    reason: row.status_reason,
    connectedAt: row.connected_at,
    accessExpiresAt: live ? isoTime(row.access_expires_at_ms) : null,
    refreshExpiresAt: live ? isoTime(row.refresh_expires_at_ms) : null,
    hardExpiresAt:
      live && row.refresh_hard_expires_at_ms !== null ? isoTime(row.refresh_hard_expires_at_ms) : null,
    warnings: connectionWarnings(row, nowMs),
  };
}

/** The /healthz section: every company's state; degraded as soon as one needs a person to reconnect. */
export function qboHealthSection(ctx: AppContext, nowMs = Date.now()): Record<string, unknown> {
  const connections = listTokenRows(ctx.db).map((row) => describeConnection(row, nowMs));
  const degraded = connections.some((c) => c.status === 'reconnect_needed');
  return degraded ? { qbo: { connections }, degraded: true } : { qbo: { connections } };
}

export const qboHealth: HealthContributor = (ctx) => qboHealthSection(ctx);
