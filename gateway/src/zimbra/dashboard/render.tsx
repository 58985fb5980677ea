import fs from 'node:fs';
import type { Child } from 'hono/jsx';
import type { Config } from '../../config/load';
import { JobCard } from '../../jobs/job-card';
import {
  type PageContext,
  type PageKit,
  type PagerProps,
  pageNumber,
  slicePage,
  TableSection,
} from '../../web/page-module';
import type { ExcludedPair } from '../reconcile';
import { periodKey, previousMonth } from '../report/highwater';
import { monthPicture } from '../service';
import { ZimbraStore } from '../store';
import { loadChoices } from './choices';
import type { ExclusionDraft, ExclusionErrors } from './exclusions';
import { readMonth } from './runs';
import { suggestCustomers } from './suggest';
import {
  CosTable,
  DomainsTable,
  ExclusionsSection,
  type RowError,
  RunForm,
  RunsTable,
  UndoForm,
} from './views';

/** What a refused form sends back to the page, so its error shows beside its field. */
export interface ZimbraView {
  month?: string;
  run?: { month: string; mode: string; errors: { month?: string; mode?: string } };
  domain?: RowError;
  cos?: RowError;
  exclusion?: { draft: ExclusionDraft; errors: ExclusionErrors };
  undo?: { month: string; error: string };
}

function pageLink(c: PageContext, month: string, key: string, anchor: string): (page: number) => string {
  return (page) => {
    const q = new URLSearchParams(
      Object.entries(c.req.query()).filter(([k, v]) => k !== key && k !== 'month' && v) as [string, string][],
    );
    q.set('month', month);
    q.set(key, String(page));
    return `/zimbra?${q.toString()}#${anchor}`;
  };
}

function ExcludedPairs(props: { month: string; rows: ExcludedPair[]; pager: PagerProps }) {
  return (
    <TableSection
      id="zimbra-excluded-heading"
      title={`Excluded in ${props.month}`}
      empty="Nothing with usage this month was excluded."
      count={props.rows.length}
      columns={['Domain', 'CoS', { label: 'Accounts', numeric: true }, 'Why']}
      pager={props.pager}
    >
      {props.rows.map((e) => (
        <tr>
          <td>{e.domain}</td>
          <td>{e.cos}</td>
          <td class="num">{String(e.highwater)}</td>
          <td>{e.reason}</td>
        </tr>
      ))}
    </TableSection>
  );
}

/** Where the reports come from, or what to set when they cannot be read at all. */
function ReportSource(props: { config: Config }) {
  const { ZIMBRA_HOST: host, ZIMBRA_REPORT_PATH: folder, ZIMBRA_USERNAME: user } = props.config;
  if (host) return <p class="muted">{`Reports are fetched over SFTP from ${user}@${host}:${folder}.`}</p>;
  if (fs.existsSync(folder)) {
    return (
      <p class="muted">
        {`Reports are read from the folder ${folder} (set ZIMBRA_HOST and ZIMBRA_KEY_FILE to fetch them from the Zimbra server).`}
      </p>
    );
  }
  return (
    <p class="warning" data-field="zimbra-setup">
      <span class="badge muted">not configured</span>{' '}
      {`No usage reports can be read: set ZIMBRA_HOST, ZIMBRA_KEY_FILE and ZIMBRA_KNOWN_HOSTS to fetch them over SFTP from the Zimbra server, or copy the MailboxUsage_*.txt reports into ZIMBRA_REPORT_PATH (now ${folder}), then run the month.`}
    </p>
  );
}

function MonthChooser(props: { month: string }) {
  return (
    <form class="row card" method="get" action="/zimbra" aria-label="Choose the month to review">
      <div>
        <label for="zimbra-month">Review month</label>
        <input id="zimbra-month" name="month" type="month" value={props.month} />
      </div>
      <button type="submit" class="secondary">
        Show
      </button>
    </form>
  );
}

/** A refused mapping for a row this page does not show (mapped meanwhile, or on another page of the list). */
function orphanError(
  view: ZimbraView,
  domains: readonly string[],
  cosNames: readonly string[],
): string | null {
  if (view.domain && !domains.includes(view.domain.key)) return `${view.domain.key}: ${view.domain.message}`;
  if (view.cos && !cosNames.includes(view.cos.key)) return `${view.cos.key}: ${view.cos.message}`;
  return null;
}

/** The parts about the chosen month: what is unmapped, what was excluded, the exclusion patterns. */
async function monthSections(c: PageContext, csrf: Child, month: string, view: ZimbraView) {
  const ctx = c.get('ctx');
  const q = c.req.query();
  const picture = monthPicture(ctx, readMonth(month)!);
  const link = (key: string, anchor: string) => pageLink(c, month, key, anchor);
  const domains = slicePage(picture.unmappedDomains, pageNumber(q.dpage));
  const cos = slicePage(picture.unmappedCos, pageNumber(q.cpage));
  const choices = await loadChoices(ctx, {
    customers: domains.items.length > 0,
    items: cos.items.length > 0,
  });
  const exclusions = slicePage(
    new ZimbraStore(ctx.db).exclusions().filter((e) => e.active),
    pageNumber(q.xpage),
  );
  const excluded = slicePage(picture.excluded, pageNumber(q.epage));
  const orphan = orphanError(
    view,
    domains.items.map((d) => d.domain),
    cos.items.map((x) => x.name),
  );
  return (
    <>
      {choices.problem ? <p class="warning">{choices.problem}</p> : null}
      {orphan ? (
        <p class="notice error" role="alert">
          {orphan}
        </p>
      ) : null}
      <DomainsTable
        csrf={csrf}
        month={month}
        rows={domains.items.map((d) => ({
          ...d,
          suggestions: suggestCustomers(d.domain, choices.customers ?? [], d.suggestion),
        }))}
        customers={choices.customers}
        error={view.domain}
        paged={{ ...domains, href: link('dpage', 'zimbra-domains-heading') }}
      />
      <CosTable
        csrf={csrf}
        month={month}
        rows={cos.items}
        items={choices.items}
        error={view.cos}
        paged={{ ...cos, href: link('cpage', 'zimbra-cos-heading') }}
      />
      <ExcludedPairs
        month={month}
        rows={excluded.items}
        pager={{ ...excluded, href: link('epage', 'zimbra-excluded-heading'), label: 'Excluded pages' }}
      />
      <ExclusionsSection
        csrf={csrf}
        month={month}
        rows={exclusions.items}
        paged={{ ...exclusions, href: link('xpage', 'zimbra-exclusions-heading') }}
        draft={view.exclusion?.draft ?? { kind: 'domain', pattern: '', reason: '' }}
        errors={view.exclusion?.errors ?? {}}
      />
    </>
  );
}

/** The whole page for the chosen month (`?month=YYYY-MM`, the previous month by default). */
export async function renderZimbra(kit: PageKit, c: PageContext, view: ZimbraView, status = 200) {
  const ctx = c.get('ctx');
  const q = c.req.query();
  const month = view.month ?? (readMonth(q.month) ? q.month!.trim() : periodKey(previousMonth(new Date())));
  const jobs = ctx.jobs.list({ flow: 'zimbra', limit: 1000 });
  const runs = slicePage(jobs, pageNumber(q.rpage));
  const csrf = kit.csrfField(c);
  return kit.render(c, {
    title: 'Zimbra billing',
    status,
    body: (
      <>
        <section class="card" aria-labelledby="zimbra-run-heading">
          <h2 id="zimbra-run-heading">Run a month</h2>
          <ReportSource config={ctx.config} />
          <RunForm
            csrf={csrf}
            month={view.run?.month ?? month}
            mode={view.run?.mode ?? 'drafts'}
            errors={view.run?.errors ?? {}}
          />
        </section>
        {jobs[0] ? <JobCard job={jobs[0]} title={`Latest run (${jobs[0].scope})`} /> : null}
        <RunsTable
          jobs={runs.items}
          paged={{ ...runs, href: pageLink(c, month, 'rpage', 'zimbra-runs-heading') }}
        />
        <MonthChooser month={month} />
        {await monthSections(c, csrf, month, view)}
        <UndoForm csrf={csrf} month={view.undo?.month ?? month} error={view.undo?.error} />
      </>
    ),
  });
}
