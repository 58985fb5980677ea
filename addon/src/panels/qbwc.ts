/**
 * The sidebar's Web Connector panel (server side): the last session and each month's status from
 * `GET /api/qbwc/status`; the QBR metrics import itself is `qbr.ts`.
 */
import { callGateway } from '../gateway';
import type { Settings } from '../settings';

export interface QbwcPanel {
  lastSync: { completedAt: string | null; status: string; error: string | null } | null;
  active: { progress: number; period: string | null } | null;
  periods: Array<{ period: string; syncedAt: string; outcome: string; unmapped: number }>;
}

interface QbwcStatus {
  last_sync: { completed_at: string | null; status: string; error_message: string | null } | null;
  active_sync: { progress: number; current_period: string | null } | null;
  periods: Array<{ period: string; synced_at: string; outcome: string; unmapped_count: number }>;
}

export function qbwcPanel(settings: Settings): QbwcPanel {
  const s = callGateway<QbwcStatus>(settings, 'get', '/api/qbwc/status');
  return {
    lastSync: s.last_sync
      ? {
          completedAt: s.last_sync.completed_at,
          status: s.last_sync.status,
          error: s.last_sync.error_message,
        }
      : null,
    active: s.active_sync ? { progress: s.active_sync.progress, period: s.active_sync.current_period } : null,
    periods: s.periods.map((p) => ({
      period: p.period,
      syncedAt: p.synced_at,
      outcome: p.outcome,
      unmapped: p.unmapped_count,
    })),
  };
}
