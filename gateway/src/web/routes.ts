import type { RouteModule } from '../server/route-module';
import { registerAssets } from './assets';
import { createPageKit } from './kit';
import { registerLogin } from './login';
import type { DashboardPage } from './page-module';
import { dashboardPages } from './pages';

/** The admin dashboard: `/` and its pages, `/login`, `/logout`, `/assets/*`. */
export function createWebRoutes(pages: readonly DashboardPage[] = dashboardPages): RouteModule {
  return {
    name: 'web',
    register(app) {
      registerAssets(app);
      registerLogin(app);
      const kit = createPageKit(app, pages);
      for (const page of pages) page.register(kit);
    },
  };
}

export const webRoutes: RouteModule = createWebRoutes();
