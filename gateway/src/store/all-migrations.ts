import { dashboardAuthMigrations } from '../auth/dashboard-store';
import { authMigrations } from '../auth/store';
import { jobMigrations } from '../jobs/store';
import { qboTokenMigrations } from '../qbo/oauth/token-store';
import { qboClientMigrations } from '../qbo/store';
import { qbwcSessionMigrations } from '../qbwc/sessions/session-store';
import { qbwcDataMigrations } from '../qbwc/store';
import { coreMigrations } from './core-migrations';
import type { Migration } from './migrations';

/** Every folder's migrations, in the order folders depend on each other. Add a folder's list here. */
export const allMigrations: readonly Migration[] = [
  ...coreMigrations,
  ...authMigrations,
  ...jobMigrations,
  ...qboTokenMigrations,
  ...qboClientMigrations,
  ...qbwcSessionMigrations,
  ...qbwcDataMigrations,
  ...dashboardAuthMigrations,
];
