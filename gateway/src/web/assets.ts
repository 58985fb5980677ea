import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../server/env';
import { dashboardJs } from './assets/client';
import { dashboardCss } from './assets/style';

interface Asset {
  type: string;
  body: () => string;
}

/** uPlot ships a browser build in its npm package; the gateway serves that file as it is. */
function packageFile(specifier: string): () => string {
  let cached: string | undefined;
  return () => {
    cached ??= fs.readFileSync(createRequire(import.meta.url).resolve(specifier), 'utf8');
    return cached;
  };
}

const js = 'text/javascript; charset=utf-8';
const css = 'text/css; charset=utf-8';

export const assets: Record<string, Asset> = {
  'dashboard.css': { type: css, body: () => dashboardCss },
  'dashboard.js': { type: js, body: () => dashboardJs },
  'uplot.js': { type: js, body: packageFile('uplot/dist/uPlot.iife.min.js') },
  'uplot.css': { type: css, body: packageFile('uplot/dist/uPlot.min.css') },
};

/** GET /assets/:name — every file the dashboard loads comes from here, none from a CDN. */
export function registerAssets(app: Hono<AppEnv>): void {
  app.get('/assets/:name', secureHeaders(), (c) => {
    const asset = assets[c.req.param('name')];
    if (!asset) return c.text('Not found', 404);
    return c.body(asset.body(), 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=300' });
  });
}
