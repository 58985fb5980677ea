import { addonScope } from '../auth/addon/scope';
import { jobRoutes } from '../jobs/routes';
import { misRoutes } from '../mis/routes';
import { qboRoutes } from '../qbo/routes';
import { qbwcApiRoutes } from '../qbwc/routes';
import { qbwcSoapRoutes } from '../qbwc/soap/soap-routes';
import { sheetsRoutes } from '../sheets/routes';
import { webRoutes } from '../web/routes';
import { zimbraRoutes } from '../zimbra/routes';
import type { RouteModule } from './route-module';

export type { RouteModule };

/** Every folder's routes. A new flow adds its module here. */
export const routeModules: RouteModule[] = [
  // First: an add-on credential is verified and held to its list of endpoints (auth/addon/scope.ts).
  addonScope,
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
