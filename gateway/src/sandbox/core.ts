/** The emulator's shared state, handed to the HTTP handlers (API, batch, OAuth). */
import type { EmulatorClock } from './clock';
import type { Company } from './company';
import type { FaultControls } from './faults/fault-injection';
import type { RateLimiter } from './limits';
import type { Random } from './random';
import type { ReplayStore } from './replay';
import type { TokenAuthority } from './server/tokens';

export interface EmulatorStats {
  requests: number;
  throttled: number;
  byPath: Record<string, number>;
  tokenRefreshes: number;
  codeExchanges: number;
}

export interface EmulatorCore {
  clock: EmulatorClock;
  random: Random;
  tokens: TokenAuthority;
  limiter: RateLimiter;
  faults: FaultControls;
  replay: ReplayStore;
  /** Batch requestids already used, per realm (a batch is never replayed, see qbo-api.md §3.2). */
  batchRequestIds: Set<string>;
  counters: { requests: number; throttled: number; byPath: Record<string, number> };
  throttleStatus: 429 | 403;
  shuffleBatch: boolean;
  publicUrl(): string;
  company(realmId: string): Company | undefined;
}

/** Marks a response the transport must not deliver: the socket is destroyed / fetch rejects. */
export const dropHeader = 'x-emulator-drop-connection';
