/** The Web Connector panel: last session, each month's status, and the QBR metrics import. */
import { $, call, el, text } from './dom';

interface QbwcPanel {
  lastSync: { completedAt: string | null; status: string; error: string | null } | null;
  active: { progress: number; period: string | null } | null;
  periods: Array<{ period: string; syncedAt: string; outcome: string; unmapped: number }>;
}

function render(p: QbwcPanel): void {
  const last = p.lastSync;
  text(
    $('qbwc-last'),
    p.active
      ? `A session is running (${p.active.progress}%${p.active.period ? `, ${p.active.period}` : ''})`
      : last
        ? `Last session: ${last.status} at ${last.completedAt ?? '?'}${last.error ? ` — ${last.error}` : ''}`
        : 'No Web Connector session yet.',
    last?.error ? 'bad' : 'muted',
  );
  const body = $('qbwc-periods');
  body.textContent = '';
  for (const m of p.periods) {
    const tr = el('tr');
    for (const v of [m.period, m.outcome, String(m.unmapped)]) tr.appendChild(el('td', v));
    body.appendChild(tr);
  }
}

export function loadQbwcPanel(): void {
  call<QbwcPanel>('getQbwcPanel')
    .then(render)
    .catch((e: Error) => text($('qbwc-last'), e.message, 'bad'));
}

$('qbwc-import').addEventListener('click', () => {
  text($('qbwc-message'), 'Importing…', 'muted');
  call<{ status: string; message: string }>('importQbrMetrics')
    .then((r) => text($('qbwc-message'), r.message, r.status === 'error' ? 'bad' : 'ok'))
    .catch((e: Error) => text($('qbwc-message'), e.message, 'bad'));
});
