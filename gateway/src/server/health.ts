import type { AppContext } from '../app/context';
import { configuredIntegrations } from '../config/require';
import { resolveCredentials } from '../qbwc/sessions/credentials';
import { schemaVersion } from '../store/migrations';
import { version } from '../version';

/** A folder adds what it knows about its own health (e.g. the QBO connection) under its own key. */
export type HealthContributor = (ctx: AppContext) => Record<string, unknown>;

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  store: { ok: boolean; schemaVersion?: number; error?: string };
  integrations: Record<string, boolean>;
  [section: string]: unknown;
}

/** What anyone may see without a token: enough for a load balancer or uptime check, nothing about the books. */
export interface PublicHealth {
  status: 'ok' | 'degraded';
  version: string;
}

const startedAt = Date.now();

/**
 * Which integrations are set up. The Web Connector counts as set up when its password is stored in the
 * store (`qbwc set-password`, the demo) as well as when QBWC_PASSWORD_HASH is set.
 */
export function integrationsOf(ctx: AppContext): Record<string, boolean> {
  const integrations = configuredIntegrations(ctx.config);
  if (!integrations.qbwc) integrations.qbwc = resolveCredentials(ctx.db, ctx.config).source !== 'none';
  return integrations;
}

export function healthReport(ctx: AppContext, contributors: readonly HealthContributor[]): Health {
  let store: Health['store'];
  try {
    ctx.db.prepare('SELECT 1').get();
    store = { ok: true, schemaVersion: schemaVersion(ctx.db) };
  } catch (error) {
    store = { ok: false, error: (error as Error).message };
  }
  const report: Health = {
    status: store.ok ? 'ok' : 'degraded',
    version,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    store,
    integrations: store.ok ? integrationsOf(ctx) : configuredIntegrations(ctx.config),
  };
  if (!store.ok) return report;
  for (const contribute of contributors) {
    const section = contribute(ctx);
    if (section.degraded === true) report.status = 'degraded';
    Object.assign(report, section);
  }
  return report;
}

export function publicHealth(report: Health): PublicHealth {
  return { status: report.status, version: report.version };
}
