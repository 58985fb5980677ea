import { misDashboardPage } from '../mis/dashboard-page';
import { webConnectorPage } from '../qbwc/dashboard-page';
import { sheetsDashboardPage } from '../sheets/dashboard-page';
import { zimbraDashboardPage } from '../zimbra/dashboard-page';
import { auditPage } from './audit-page';
import { overviewPage } from './overview';
import type { DashboardPage } from './page-module';
import { tokensPage } from './tokens-page';

/** Every dashboard page, in navigation order. A flow adds its page (a `DashboardPage`) here. */
export const dashboardPages: DashboardPage[] = [
  overviewPage,
  sheetsDashboardPage,
  misDashboardPage,
  zimbraDashboardPage,
  webConnectorPage,
  auditPage,
  tokensPage,
];
