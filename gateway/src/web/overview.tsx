import type { AppContext } from '../app/context';
import { configuredIntegrations } from '../config/require';
import type { Job } from '../jobs/jobs';
import { type ConnectionStatus, createTokenVault, qboHealthSection } from '../qbo/index';
import { shortTime } from './forms';
import type { DashboardPage, PageContext, PageKit } from './page-module';

/** The flows the Overview always shows a card for, in this order; any other flow with jobs follows. */
export const knownFlows = ['sheets', 'mis', 'zimbra', 'qbwc'] as const;
const flowTitles: Record<string, string> = {
  sheets: 'Sheet sync',
  mis: 'MIS sync',
  zimbra: 'Zimbra billing',
  qbwc: 'Web Connector',
};
/** Summary counts a flow's job may carry; shown when present. */
const summaryCounts = ['pending', 'synced', 'failed', 'skipped'] as const;

export interface FlowCard {
  flow: string;
  title: string;
  configured: boolean;
  lastJob?: Job;
  lastError?: { at: string; message: string };
  counts: Array<{ label: string; value: number }>;
  link?: string;
}

function flowNames(ctx: AppContext): string[] {
  const withJobs = ctx.db.prepare('SELECT DISTINCT flow FROM jobs ORDER BY flow').pluck().all() as string[];
  const names: string[] = [...knownFlows];
  for (const f of withJobs) if (!names.includes(f)) names.push(f);
  return names;
}

/** One card per flow, read generically from the jobs table and the configuration. */
export function flowCards(ctx: AppContext, pages: readonly DashboardPage[]): FlowCard[] {
  const integrations = configuredIntegrations(ctx.config);
  return flowNames(ctx).map((flow) => {
    const page = pages.find((p) => p.flow === flow);
    const jobs = ctx.jobs.list({ flow, limit: 50 });
    const lastJob = jobs[0];
    const failedJob = jobs.find((j) => j.error);
    const counts: FlowCard['counts'] = [];
    if (lastJob) {
      for (const key of summaryCounts) {
        const value = lastJob.summary?.[key];
        if (typeof value === 'number') counts.push({ label: key, value });
      }
      if (counts.length === 0) {
        counts.push({ label: 'done', value: lastJob.done }, { label: 'failed', value: lastJob.failed });
      }
    }
    return {
      flow,
      title: flowTitles[flow] ?? flow,
      configured: (page?.configured?.(ctx) ?? false) || integrations[flow] === true,
      lastJob,
      lastError: failedJob?.error
        ? { at: failedJob.finishedAt ?? failedJob.createdAt, message: failedJob.error }
        : undefined,
      counts,
      link: page?.nav?.path,
    };
  });
}

const stateBadge = (state: string) =>
  state === 'done'
    ? 'ok'
    : state === 'failed'
      ? 'bad'
      : state === 'running' || state === 'queued'
        ? 'warn'
        : 'muted';

function FlowCardView(props: { card: FlowCard }) {
  const { card } = props;
  const job = card.lastJob;
  const live = job && (job.state === 'running' || job.state === 'queued');
  return (
    <article class="card" data-flow={card.flow} data-job={live ? job.id : undefined}>
      <h3>{card.title}</h3>
      <p>
        {card.configured ? (
          <span class="badge ok">configured</span>
        ) : (
          <span class="badge muted">not configured</span>
        )}
      </p>
      {job ? (
        <dl class="facts">
          <dt>Last run</dt>
          <dd>{shortTime(job.startedAt ?? job.createdAt)}</dd>
          <dt>State</dt>
          <dd>
            <span class={`badge ${stateBadge(job.state)}`} data-field="state">
              {job.state}
            </span>
          </dd>
          {card.counts.map((n) => (
            <>
              <dt>{n.label}</dt>
              <dd class="num" data-field={n.label}>
                {String(n.value)}
              </dd>
            </>
          ))}
          {live ? (
            <>
              <dt>Progress</dt>
              <dd>
                <span data-field="done">{String(job.done)}</span> of{' '}
                <span data-field="total">{job.total === null ? '?' : String(job.total)}</span>{' '}
                <span class="muted" data-field="live">
                  (live)
                </span>
                <progress
                  max={job.total ?? 1}
                  value={job.done + job.failed}
                  aria-label={`${card.title} progress`}
                />
              </dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p class="muted">No runs yet.</p>
      )}
      {card.lastError ? (
        <p class="error-text">
          {`Last error (${shortTime(card.lastError.at)}): `}
          {card.lastError.message}
        </p>
      ) : null}
      {card.link ? <a href={card.link}>{`Open ${card.title}`}</a> : null}
    </article>
  );
}

function connectionsOf(ctx: AppContext): ConnectionStatus[] {
  const section = qboHealthSection(ctx).qbo as { connections: ConnectionStatus[] };
  return section.connections;
}

const statusBadge = (s: ConnectionStatus['status']) =>
  s === 'connected' ? 'ok' : s === 'reconnect_needed' ? 'bad' : 'muted';

function tokenHealth(c: ConnectionStatus, nowMs: number): string {
  if (c.status === 'disconnected') return 'no tokens kept';
  if (c.status === 'reconnect_needed')
    return `reconnect needed: ${c.reason ?? 'the grant is no longer valid'}`;
  const access = c.accessExpiresAt ? Date.parse(c.accessExpiresAt) : 0;
  return access > nowMs
    ? `access token valid until ${shortTime(c.accessExpiresAt)}`
    : 'access token expired; it is refreshed at the next call';
}

function QboSection(props: {
  c: PageContext;
  kit: PageKit;
  connections: ConnectionStatus[];
  configured: boolean;
}) {
  const { c, kit, connections, configured } = props;
  const live = connections.filter((x) => x.status !== 'disconnected');
  const now = Date.now();
  return (
    <section class="card" aria-labelledby="qbo-heading">
      <h2 id="qbo-heading">QuickBooks Online</h2>
      {!configured ? (
        <p class="warning">
          QuickBooks is not configured: set QBO_CLIENT_ID, QBO_CLIENT_SECRET and QBO_REDIRECT_URI (or
          QBO_ENVIRONMENT=emulator), then restart.
        </p>
      ) : null}
      {live.length === 0 ? <p>No QuickBooks company is connected.</p> : null}
      {live.map((x) => (
        <div class="company" data-realm={x.realmId}>
          <dl class="facts">
            <dt>Company</dt>
            <dd data-field="company">{x.companyName ?? '(name not read yet)'}</dd>
            <dt>Realm</dt>
            <dd data-field="realm">{x.realmId}</dd>
            <dt>Environment</dt>
            <dd>{x.environment}</dd>
            <dt>Status</dt>
            <dd>
              <span class={`badge ${statusBadge(x.status)}`} data-field="status">
                {x.status.replace('_', ' ')}
              </span>
            </dd>
            <dt>Token health</dt>
            <dd>{tokenHealth(x, now)}</dd>
            <dt>Refresh token</dt>
            <dd>{`expires ${shortTime(x.refreshExpiresAt)}; hard expiry ${shortTime(x.hardExpiresAt)}`}</dd>
            <dt>Connected</dt>
            <dd>{shortTime(x.connectedAt)}</dd>
          </dl>
          {x.warnings.map((w) => (
            <p class="notice warn" role="alert">
              {w}
            </p>
          ))}
          <div class="actions">
            <a class="button" href="/qbo/connect">
              Reconnect
            </a>{' '}
            <form
              class="inline"
              method="post"
              action="/overview/qbo/disconnect"
              data-confirm={`Disconnect ${x.companyName ?? x.realmId}? Syncs stop until it is connected again.`}
            >
              {kit.csrfField(c)}
              <input type="hidden" name="realmId" value={x.realmId} />
              <button type="submit" class="danger">
                Disconnect
              </button>
            </form>
          </div>
        </div>
      ))}
      {live.length === 0 && configured ? (
        <p>
          <a class="button" href="/qbo/connect" id="qbo-connect">
            Connect to QuickBooks
          </a>
        </p>
      ) : null}
    </section>
  );
}

/** `/`: the QuickBooks connection and a card per flow. */
export const overviewPage: DashboardPage = {
  name: 'overview',
  nav: { label: 'Overview', path: '/' },
  register(kit) {
    kit.get('/', (c) => {
      const ctx = c.get('ctx');
      const configured = configuredIntegrations(ctx.config).qbo === true;
      const cards = flowCards(ctx, kit.pages());
      return kit.render(c, {
        title: 'Overview',
        body: (
          <>
            <QboSection c={c} kit={kit} connections={connectionsOf(ctx)} configured={configured} />
            <h2>Flows</h2>
            <div class="cards">
              {cards.map((card) => (
                <FlowCardView card={card} />
              ))}
            </div>
          </>
        ),
      });
    });

    kit.post('/overview/qbo/disconnect', async (c) => {
      const ctx = c.get('ctx');
      const realmId = (await kit.form(c)).realmId ?? '';
      if (!/^[\w-]{1,64}$/.test(realmId)) {
        return kit.redirect(c, '/', { kind: 'error', text: 'That company id is not valid' });
      }
      const known = connectionsOf(ctx).find((x) => x.realmId === realmId && x.status !== 'disconnected');
      if (!known) {
        return kit.redirect(c, '/', { kind: 'error', text: `Company ${realmId} is not connected` });
      }
      const result = await createTokenVault(ctx).disconnect(realmId, `user:${kit.user(c)}`);
      return kit.redirect(c, '/', {
        kind: result.revoked ? 'ok' : 'error',
        text: result.revoked
          ? `Disconnected QuickBooks company ${realmId}; Intuit revoked the tokens`
          : `Forgot the tokens of company ${realmId}, but Intuit did not confirm the revoke (${result.revokeError}); remove the app in QuickBooks to be sure`,
      });
    });
  },
};
