import type { AppContext } from '../app/context';

export interface Principal {
  kind: 'api-token' | 'user';
  name: string;
}

/** Hono's typed per-request variables for every gateway route. */
export interface AppEnv {
  Variables: {
    requestId: string;
    ctx: AppContext;
    principal?: Principal;
  };
}
