import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './env';

/**
 * Browser-facing protection on every response. The gateway serves JSON, XML and a few plain result pages
 * (OAuth callback, Web Connector support page) with inline styles only: no scripts, no frames, no plugins.
 * A route that serves a page needing more (a dashboard with its own scripts) sets its own
 * Content-Security-Policy; `overwrite: false` keeps a header the handler set.
 */
export const securityHeaders: MiddlewareHandler<AppEnv> = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    imgSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  crossOriginResourcePolicy: 'same-origin',
  overwrite: false,
});

/**
 * Amounts, company names and tokens' states must not linger in a browser or proxy cache: every JSON
 * answer (the /api envelope and /healthz) is marked `no-store`.
 */
export const noStoreJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const type = c.res.headers.get('content-type') ?? '';
  if (type.includes('json') || c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
};
