import { jobRoutes } from '../jobs/routes';
import { misRoutes } from '../mis/routes';
import { qboRoutes } from '../qbo/routes';
import { qbwcApiRoutes } from '../qbwc/routes';
import { qbwcSoapRoutes } from '../qbwc/soap/soap-routes';
import { addonMetricsAccess, sheetsRoutes } from '../sheets/routes';
import { webRoutes } from '../web/routes';
import { zimbraRoutes } from '../zimbra/routes';
import type { RouteModule } from './route-module';

export type { RouteModule };

/** Every folder's routes. A new flow adds its module here. */
export const routeModules: RouteModule[] = [
  // Before the Web Connector's routes: lets the add-on's own auth reach GET /api/qbwc/metrics.
  addonMetricsAccess,
  jobRoutes,
  qboRoutes,
  qbwcApiRoutes,
  qbwcSoapRoutes,
  sheetsRoutes,
  misRoutes,
  zimbraRoutes,
  // The dashboard goes last: its pages sit beside the REST paths and never shadow them.
  webRoutes,
];
