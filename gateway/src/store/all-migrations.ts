import { authMigrations } from '../auth/store';
import { jobMigrations } from '../jobs/store';
import { qboClientMigrations } from '../qbo/store';
import { qboTokenMigrations } from '../qbo/token-store';
import { qboUpdateMigrations } from '../qbo/update-once';
import { qbwcSessionMigrations } from '../qbwc/session-store';
import { qbwcDataMigrations } from '../qbwc/store';
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
  ...zimbraMigrations,
];
