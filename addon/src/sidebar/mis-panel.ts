/** The MIS panel: the seed's statistics, analyze, preview into a tab, a batch or all as a followed job. */
import { $, call, el, followJob, type Job, panelAction, text } from './dom';

interface MisPanel {
  statistics: {
    total_invoices: number;
    already_synced: number;
    not_synced: number;
    failed: number;
    in_progress: number;
  };
  progress_percentage: number;
  quickbooks_connected: boolean;
  quickbooks_message: string | null;
  failed_invoices: { count: number; rows: Array<{ invoice_id: number; error: string }> };
}

function render(p: MisPanel): void {
  const stats = $('mis-stats');
  stats.textContent = '';
  const s = p.statistics;
  for (const [label, n] of [
    ['total', s.total_invoices],
    ['synced', s.already_synced],
    ['not synced', s.not_synced],
    ['failed', s.failed],
    ['in progress', s.in_progress],
    ['progress', `${p.progress_percentage}%`],
  ] as const) {
    stats.appendChild(el('span', `${label}: ${n}`, { 'data-stat': label }));
  }
  const list = $('mis-failed');
  list.textContent = '';
  for (const row of p.failed_invoices.rows)
    list.appendChild(el('li', `Invoice ${row.invoice_id}: ${row.error}`));
  if (p.failed_invoices.rows.length === 0) list.appendChild(el('li', 'None.', { class: 'muted' }));
  if (p.failed_invoices.count > p.failed_invoices.rows.length)
    list.appendChild(el('li', `… and ${p.failed_invoices.count - p.failed_invoices.rows.length} more`));
}

export function loadMisPanel(): void {
  call<MisPanel>('getMisPanel')
    .then(render)
    .catch((e: Error) => text($('mis-message'), e.message, 'bad'));
}

const act = panelAction('mis-message', () => loadMisPanel());

function run(name: 'misRunBatch' | 'misRunAll', label: string): void {
  act(async () => {
    const size = Number($<HTMLInputElement>('mis-batch-size').value) || 50;
    const job = await followJob(
      await call<Job>(name, size),
      $<HTMLProgressElement>('mis-progress'),
      $('mis-progress-text'),
      label,
    );
    const s = (job.summary ?? {}) as { total_successful?: number; total_failed?: number };
    return job.state === 'done'
      ? `${label} done: ${s.total_successful ?? job.done} synced, ${s.total_failed ?? job.failed} failed`
      : `${label} ${job.state}: ${job.error ?? ''}`;
  });
}

$('mis-analyze').addEventListener('click', () =>
  act(async () => {
    const s = await call<MisPanel['statistics']>('misAnalyzeNow');
    return `Analyzed: ${s.not_synced} not synced, ${s.failed} failed of ${s.total_invoices}`;
  }),
);
$('mis-preview').addEventListener('click', () =>
  act(async () => {
    const r = await call<{ rows: number; tab: string }>('misPreviewTab', 20);
    return `${r.rows} invoices previewed in the ${r.tab} tab`;
  }),
);
$('mis-batch').addEventListener('click', () => run('misRunBatch', 'Batch'));
$('mis-all').addEventListener('click', () => run('misRunAll', 'All invoices'));
