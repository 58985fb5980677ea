/**
 * Fault injection: a deterministic queue for tests (`nextFaults`) and seeded random rates for benches.
 * Each API call takes at most one fault; "drop-after-commit", "timeout" and "late-commit" only make sense for writes and
 * are kept in the queue until a write consumes them; "batch-item-system-fault" waits for a /batch call.
 */
import type { Random } from '../random';

/**
 * `batch-item-system-fault`: the batch runs as usual, but its first item that committed is answered with a
 * SystemFault (10000) instead of its entity. A system fault says nothing about whether the write happened;
 * this is the case where it did.
 */
export type InjectedFault =
  /** Intuit's throttle answer, as if the realm's limit had just been spent (any call). */
  '429' | '500' | '503' | 'drop-after-commit' | '413' | 'timeout' | 'late-commit' | 'batch-item-system-fault';

export interface FaultControls {
  /** Added to every API call (default 0). */
  latencyMs: number;
  /** 0..1 fraction of API calls answered with 500/502/503 (nothing committed). */
  errorRate: number;
  /** 0..1 fraction of write calls that commit and then lose the connection without a response. */
  dropAfterCommitRate: number;
  /**
   * 0..1 fraction of write calls whose connection drops at once and whose create commits `lateCommitMs`
   * later: the client saw a failure, QuickBooks commits anyway (a 504 that still lands).
   */
  lateCommitRate: number;
  /** How long after the dropped connection a late commit lands (real ms; default 1,000). */
  lateCommitMs: number;
  /**
   * Query results lag commits by this many real ms (default 0): a fresh create is found by GET /entity/id
   * and by the duplicate checks (6140/6240) at once, but not by /query until the lag has passed.
   */
  queryLagMs: number;
  /**
   * Called with each query statement after its page was computed and before it is answered: a test
   * changes the company here (deletes a row, say) to play what a person does between two pages.
   */
  afterQuery?: (statement: string) => void;
  /** Deterministic queue consumed by the next API calls in order. */
  nextFaults: InjectedFault[];
  reset(): void;
}

export function createFaultControls(): FaultControls {
  const controls: FaultControls = {
    latencyMs: 0,
    errorRate: 0,
    dropAfterCommitRate: 0,
    lateCommitRate: 0,
    lateCommitMs: 1_000,
    queryLagMs: 0,
    nextFaults: [],
    reset() {
      controls.latencyMs = 0;
      controls.errorRate = 0;
      controls.dropAfterCommitRate = 0;
      controls.lateCommitRate = 0;
      controls.lateCommitMs = 1_000;
      controls.queryLagMs = 0;
      controls.afterQuery = undefined;
      controls.nextFaults.length = 0;
    },
  };
  return controls;
}

/** What happens to this call before it runs (`before`) and after it commits (`after`). */
export interface FaultPlan {
  before?: '429' | '500' | '502' | '503' | '413';
  after?: 'drop-after-commit' | 'timeout' | 'late-commit';
  /** For a batch: answer its first committed item with a SystemFault. */
  item?: 'system-fault-after-commit';
}

export function planFaults(
  controls: FaultControls,
  isWrite: boolean,
  random: Random,
  isBatch = false,
): FaultPlan {
  const queued = controls.nextFaults[0];
  if (queued !== undefined) {
    const afterCommit = queued === 'drop-after-commit' || queued === 'timeout' || queued === 'late-commit';
    if (queued === 'batch-item-system-fault') {
      if (isBatch) {
        controls.nextFaults.shift();
        return { item: 'system-fault-after-commit' };
      }
    } else if (!afterCommit || isWrite) {
      controls.nextFaults.shift();
      return afterCommit ? { after: queued } : { before: queued };
    }
  }
  if (controls.errorRate > 0 && random() < controls.errorRate) {
    const statuses = ['500', '502', '503'] as const;
    return { before: statuses[Math.floor(random() * statuses.length)] ?? '500' };
  }
  if (isWrite && controls.dropAfterCommitRate > 0 && random() < controls.dropAfterCommitRate) {
    return { after: 'drop-after-commit' };
  }
  if (isWrite && controls.lateCommitRate > 0 && random() < controls.lateCommitRate) {
    return { after: 'late-commit' };
  }
  return {};
}
