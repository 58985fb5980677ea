import type { AppContext } from '../app/context';
import { configuredIntegrations } from '../config/require';
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

const startedAt = Date.now();

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
    integrations: configuredIntegrations(ctx.config),
  };
  for (const contribute of contributors) {
    const section = contribute(ctx);
    if (section.degraded === true) report.status = 'degraded';
    Object.assign(report, section);
  }
  return report;
}
