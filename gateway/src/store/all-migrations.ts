import { addonAuthMigrations } from '../auth/addon/store';
import { dashboardAuthMigrations } from '../auth/dashboard-store';
import { authMigrations } from '../auth/store';
import { jobMigrations } from '../jobs/store';
import { qboTokenMigrations } from '../qbo/oauth/token-store';
import { qboClientMigrations, qboUpdateMigrations } from '../qbo/store';
import { qbwcSessionMigrations } from '../qbwc/sessions/session-store';
import { qbwcDataMigrations } from '../qbwc/store';
import { sheetsMigrations } from '../sheets/store';
import { zimbraMigrations } from '../zimbra/store';
import { coreMigrations } from './core-migrations';
import type { Migration } from './migrations';

/** Every folder's migrations, in the order folders depend on each other. Add a folder's list here. */
export const allMigrations: readonly Migration[] = [
  ...coreMigrations,
  ...authMigrations,
  ...jobMigrations,
  ...qboTokenMigrations,
  ...qboClientMigrations,
  ...qboUpdateMigrations,
  ...qbwcSessionMigrations,
  ...qbwcDataMigrations,
  ...addonAuthMigrations,
  ...sheetsMigrations,
  ...zimbraMigrations,
  ...dashboardAuthMigrations,
];
