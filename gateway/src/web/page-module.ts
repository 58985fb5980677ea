/**
 * The one web/ file a flow may import: how a flow folder adds its own dashboard page. A flow exports a
 * `DashboardPage` (e.g. `zimbra/dashboard-page.tsx`) and web/pages.ts lists it; the dashboard mounts it
 * behind the login with the page headers, CSRF checks and layout every page shares.
 */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { AppContext } from '../app/context';
import type { AppEnv } from '../server/env';

// What a flow page shares with the built-in pages: paging, times, the pager, a field's error, list sections.
export { type PageSlice, pageNumber, pageSize, shortTime, slicePage } from './forms';
export { type Column, FieldError, Pager, type PagerProps, RowAction, TableSection } from './widgets';

export type PageContext = Context<AppEnv>;
export type PageHandler = (c: PageContext) => Response | Promise<Response>;

export type NoticeKind = 'ok' | 'error';

export interface PageKit {
  /** A page behind the login, with the dashboard's security headers and `Cache-Control: no-store`. */
  get(path: string, handler: PageHandler): void;
  /** A form target behind the login; its CSRF token is checked before the handler runs. */
  post(path: string, handler: PageHandler): void;
  /** The whole page in the dashboard's layout (navigation, notices, logout). */
  render(
    c: PageContext,
    page: {
      title: string;
      body: Child;
      status?: number;
      /** Extra same-origin files the page loads (e.g. `/assets/uplot.js`); CSP allows no others. */
      scripts?: readonly string[];
      styles?: readonly string[];
    },
  ): Response | Promise<Response>;
  /** The hidden field every form must carry. */
  csrfField(c: PageContext): Child;
  /** The logged-in user's name, for audit rows (`user:<name>` as the actor). */
  user(c: PageContext): string;
  /** Redirect after a POST, with a sentence shown once at the top of the next page. */
  redirect(c: PageContext, path: string, notice?: { kind: NoticeKind; text: string }): Response;
  /** Every registered page (the Overview links each flow's card to its page). */
  pages(): readonly DashboardPage[];
  /** The form fields of a POST (already read once by the CSRF check). */
  form(c: PageContext): Promise<Record<string, string>>;
}

export interface DashboardPage {
  name: string;
  /** The navigation entry; pages without one are reachable only by link. */
  nav?: { label: string; path: string };
  /** The jobs-table flow this page shows (`sheets`, `mis`, …): the Overview card for that flow links here. */
  flow?: string;
  /** Whether the flow has what it needs to run, when that is more than its environment variables. */
  configured?: (ctx: AppContext) => boolean;
  register(kit: PageKit): void;
}
