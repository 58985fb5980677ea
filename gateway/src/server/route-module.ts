import type { Hono } from 'hono';
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
  /** How to answer a body over the limit on these paths (e.g. a SOAP fault); 413 JSON when absent. */
  bodyTooLarge?: Record<string, (maxSize: number) => Response>;
}
