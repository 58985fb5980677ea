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
    /** The caller's address as trusted under TRUST_PROXY, resolved once (server/client-address.ts). */
    clientAddress?: { address: string | undefined };
  };
}
