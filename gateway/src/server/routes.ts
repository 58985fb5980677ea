import type { Hono } from 'hono';
import { jobRoutes } from '../jobs/routes';
import { qboRoutes } from '../qbo/routes';
import { qbwcApiRoutes } from '../qbwc/routes';
import { qbwcSoapRoutes } from '../qbwc/soap-routes';
import { zimbraRoutes } from '../zimbra/routes';
import type { AppEnv } from './env';
import type { HealthContributor } from './health';

/**
 * Each folder that serves HTTP exports one of these from its `routes.ts`; `server/app.ts` mounts them all.
 * `bodyLimits` lets a folder accept larger bodies on its own paths (e.g. Web Connector responses).
 */
export interface RouteModule {
  name: string;
  register(app: Hono<AppEnv>): void;
  health?: HealthContributor;
  bodyLimits?: Record<string, number>;
}

/** Every folder's routes. A new flow adds its module here. */
export const routeModules: RouteModule[] = [
  jobRoutes,
  qboRoutes,
  qbwcApiRoutes,
  qbwcSoapRoutes,
  zimbraRoutes,
];
