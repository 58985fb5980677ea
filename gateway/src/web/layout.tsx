import type { Child } from 'hono/jsx';
import type { NoticeKind } from './page-module';

export interface LayoutProps {
  title: string;
  body: Child;
  currentPath: string;
  nav: ReadonlyArray<{ label: string; path: string }>;
  user?: string;
  csrf?: string;
  notice?: { kind: NoticeKind; text: string };
  /** Extra scripts (same-origin files only) a page needs, e.g. the chart library. */
  scripts?: readonly string[];
  styles?: readonly string[];
}

function isCurrent(navPath: string, current: string): boolean {
  return navPath === '/' ? current === '/' : current === navPath || current.startsWith(`${navPath}/`);
}

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · qb-bridge`}</title>
        <link rel="stylesheet" href="/assets/dashboard.css" />
        {(props.styles ?? []).map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            qb-bridge
          </a>
          {props.user ? (
            <nav class="main" aria-label="Dashboard">
              <ul>
                {props.nav.map((n) => (
                  <li>
                    <a href={n.path} aria-current={isCurrent(n.path, props.currentPath) ? 'page' : undefined}>
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {props.user && props.csrf ? (
            <form method="post" action="/logout">
              <input type="hidden" name="_csrf" value={props.csrf} />
              <span class="muted">{props.user} </span>
              <button type="submit" class="secondary">
                Log out
              </button>
            </form>
          ) : null}
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.notice ? (
            <p
              class={`notice ${props.notice.kind}`}
              role={props.notice.kind === 'error' ? 'alert' : 'status'}
            >
              {props.notice.text}
            </p>
          ) : null}
          {props.body}
        </main>
        {(props.scripts ?? []).map((src) => (
          <script src={src} />
        ))}
        <script src="/assets/dashboard.js" />
      </body>
    </html>
  );
}

export { FieldError, Pager } from './widgets';
