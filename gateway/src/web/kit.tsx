import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { createMiddleware } from 'hono/factory';
import { html } from 'hono/html';
import { HTTPException } from 'hono/http-exception';
import { cookieIsSecure, currentSession } from '../auth/session-cookie';
import { csrfMatches, type DashboardSession } from '../auth/sessions';
import type { AppEnv } from '../server/env';
import { safeNext } from './forms';
import { noStore, pageSecureHeaders } from './headers';
import { Layout } from './layout';
import type { DashboardPage, NoticeKind, PageContext, PageKit } from './page-module';

const flashCookie = 'qbb_flash';

const originCheck = csrf({
  origin: (origin, c) => {
    const publicUrl = (c as PageContext).get('ctx').config.PUBLIC_URL;
    return origin === new URL(c.req.url).origin || (!!publicUrl && origin === new URL(publicUrl).origin);
  },
});

/**
 * Same-origin form posts only (hono's Origin check), in addition to the per-session CSRF token. hono answers
 * a refusal by throwing; we turn that into a plain 403 page and an audit row.
 */
export const sameOrigin = createMiddleware<AppEnv>(async (c, next) => {
  let passed = false;
  try {
    await originCheck(c, async () => {
      passed = true;
      await next();
    });
  } catch (error) {
    if (passed || !(error instanceof HTTPException) || error.status !== 403) throw error;
    c.get('ctx').audit.record({
      actor: 'anonymous',
      action: 'dashboard.csrf',
      target: `${c.req.method} ${c.req.path}`,
      outcome: 'denied',
      details: { reason: 'form posted from another origin', origin: c.req.header('origin') ?? null },
    });
    return c.text('Forms may only be sent from this dashboard (the request came from another site)', 403);
  }
});

declare module 'hono' {
  interface ContextVariableMap {
    dashboardSession: DashboardSession;
    dashboardForm: Record<string, string>;
  }
}

/** Every page needs a logged-in user; a browser without a session is sent to the login page. */
const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const session = currentSession(c);
  if (!session) {
    if (c.req.method !== 'GET') return c.text('Your session has ended; log in again', 401);
    const url = new URL(c.req.url);
    return c.redirect(`/login?next=${encodeURIComponent(safeNext(url.pathname + url.search))}`, 303);
  }
  c.set('dashboardSession', session);
  c.set('principal', { kind: 'user', name: session.username });
  await next();
});

async function readForm(c: PageContext): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** A POST without the session's token is refused and audited; nothing behind it runs. */
const checkCsrf = createMiddleware<AppEnv>(async (c, next) => {
  const form = await readForm(c);
  const session = c.get('dashboardSession');
  if (!csrfMatches(session, form._csrf)) {
    c.get('ctx').audit.record({
      actor: `user:${session.username}`,
      action: 'dashboard.csrf',
      target: `${c.req.method} ${c.req.path}`,
      outcome: 'denied',
      details: { requestId: c.get('requestId') },
    });
    return c.text(
      'This form is out of date (its CSRF token does not match your session); reload the page',
      403,
    );
  }
  c.set('dashboardForm', form);
  await next();
});

export function setFlash(c: PageContext, kind: NoticeKind, text: string): void {
  setCookie(
    c,
    flashCookie,
    Buffer.from(JSON.stringify({ kind, text: text.slice(0, 500) })).toString('base64url'),
    {
      httpOnly: true,
      sameSite: 'Strict',
      secure: cookieIsSecure(c.get('ctx').config),
      path: '/',
      maxAge: 60,
    },
  );
}

function takeFlash(c: PageContext): { kind: NoticeKind; text: string } | undefined {
  const raw = getCookie(c, flashCookie);
  if (!raw) return undefined;
  deleteCookie(c, flashCookie, { path: '/' });
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as {
      kind?: unknown;
      text?: unknown;
    };
    if ((parsed.kind === 'ok' || parsed.kind === 'error') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: parsed.text };
    }
  } catch {
    // A mangled flash cookie is only a lost notice.
  }
  return undefined;
}

/** The kit each page registers through; see page-module.ts for the contract. */
export function createPageKit(app: Hono<AppEnv>, pages: readonly DashboardPage[]): PageKit {
  const nav = pages.flatMap((p) => (p.nav ? [p.nav] : []));
  const kit: PageKit = {
    get(path, handler) {
      app.get(path, pageSecureHeaders, noStore, requireUser, handler);
    },
    post(path, handler) {
      app.post(path, pageSecureHeaders, noStore, sameOrigin, requireUser, checkCsrf, handler);
    },
    render(c, page) {
      const session = c.get('dashboardSession');
      const element = (
        <Layout
          title={page.title}
          body={page.body}
          currentPath={c.req.path}
          nav={nav}
          user={session?.username}
          csrf={session?.csrfToken}
          notice={takeFlash(c)}
          scripts={page.scripts}
          styles={page.styles}
        />
      );
      return c.html(html`<!doctype html>${element}`, (page.status ?? 200) as 200);
    },
    csrfField(c) {
      return <input type="hidden" name="_csrf" value={c.get('dashboardSession').csrfToken} />;
    },
    user(c) {
      return c.get('dashboardSession').username;
    },
    redirect(c, path, notice) {
      if (notice) setFlash(c, notice.kind, notice.text);
      return c.redirect(path, 303);
    },
    pages() {
      return pages;
    },
    async form(c) {
      return c.get('dashboardForm') ?? (await readForm(c));
    },
  };
  return kit;
}

export { Layout };
