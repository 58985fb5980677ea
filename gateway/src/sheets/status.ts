import type { StatusView } from '../../../shared/src/sheets/contract';
import type { AppContext } from '../app/context';
import { flowsConfigured } from '../config/flows-configured';
import { openQbo } from '../qbo/index';
import type { SheetSettings } from './plan';
import { sheetsFlow } from './service';

/** What the sidebar's connection card shows: gateway, QuickBooks company (or reconnect needed), jobs. */
export function sheetsStatus(
  ctx: AppContext,
  settings: SheetSettings,
  spreadsheetId: string | undefined,
  gatewayVersion: string,
): StatusView {
  let quickbooks: StatusView['quickbooks'];
  try {
    const qbo = openQbo(ctx);
    const reconnect = qbo.token?.status === 'reconnect_needed';
    quickbooks = {
      connected: qbo.token?.status === 'connected',
      companyName: qbo.token?.companyName ?? null,
      realmId: qbo.realmId,
      reconnectNeeded: reconnect,
      message: reconnect ? `QuickBooks needs reconnecting: ${qbo.token?.reason ?? 'the grant lapsed'}` : null,
    };
  } catch (error) {
    quickbooks = {
      connected: false,
      companyName: null,
      realmId: null,
      reconnectNeeded: true,
      message: (error as Error).message,
    };
  }
  const flows = flowsConfigured(ctx.config);
  const jobs = ctx.jobs
    .list({ flow: sheetsFlow, limit: 50 })
    .filter((j) => !spreadsheetId || j.scope === spreadsheetId);
  const active = jobs.find((j) => j.state === 'queued' || j.state === 'running');
  const last = jobs.find((j) => j.state !== 'queued' && j.state !== 'running');
  return {
    gateway: { version: gatewayVersion },
    quickbooks,
    mode: settings.mode,
    eligibleStatuses: settings.eligibleStatuses,
    activeJob: active
      ? { id: active.id, total: active.total, done: active.done, failed: active.failed }
      : null,
    lastJob: last
      ? { id: last.id, state: last.state, finishedAt: last.finishedAt, done: last.done, failed: last.failed }
      : null,
    flows: {
      ...flows,
      // The Web Connector's password may live in the store rather than the env; a session it ran counts.
      qbwc: flows.qbwc || ctx.jobs.list({ flow: 'qbwc', limit: 1 }).length > 0,
    },
  };
}
