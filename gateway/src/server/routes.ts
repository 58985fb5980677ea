import { jobRoutes } from '../jobs/routes';
import { qboRoutes } from '../qbo/routes';
import { qbwcApiRoutes } from '../qbwc/routes';
import { qbwcSoapRoutes } from '../qbwc/soap/soap-routes';
import { webRoutes } from '../web/routes';
import type { RouteModule } from './route-module';

export type { RouteModule };

/** Every folder's routes. A new flow adds its module here. */
export const routeModules: RouteModule[] = [jobRoutes, qboRoutes, qbwcApiRoutes, qbwcSoapRoutes];
// The dashboard goes last: its pages sit beside the REST paths and never shadow them.
routeModules.push(webRoutes);
