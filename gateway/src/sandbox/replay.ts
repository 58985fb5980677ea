/**
 * `requestid` replay (qbo-api.md §4.4): the first response for (realm, requestid) is kept and any repeat
 * gets it back verbatim — same Id, same `time` — whatever the new body says.
 */
export interface SavedResponse {
  status: number;
  body: string;
  contentType: string;
  savedAt: number;
}

export const maxRequestIdLength = 50;

export class ReplayStore {
  private readonly saved = new Map<string, SavedResponse>();
  /** Requests whose commit is still to land (a late commit): a repeat waits for it, then gets its answer. */
  private readonly pending = new Map<string, Promise<void>>();

  /** `ttlMs` undefined = keep forever (Intuit documents no retention window); a finite window may be set. */
  constructor(
    private readonly now: () => number,
    public ttlMs?: number,
  ) {}

  /** Marks (realm, requestid) as being processed until `done` settles. */
  hold(realmId: string, requestId: string, done: Promise<unknown>): void {
    const key = this.key(realmId, requestId);
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.pending.set(key, settled);
    void settled.then(() => {
      if (this.pending.get(key) === settled) this.pending.delete(key);
    });
  }

  /** Resolves once no request with this requestid is still being processed. */
  async settled(realmId: string, requestId: string): Promise<void> {
    await this.pending.get(this.key(realmId, requestId));
  }

  private key(realmId: string, requestId: string): string {
    return `${realmId}\u0000${requestId}`;
  }

  get(realmId: string, requestId: string): SavedResponse | undefined {
    const key = this.key(realmId, requestId);
    const entry = this.saved.get(key);
    if (entry && this.ttlMs !== undefined && this.now() - entry.savedAt > this.ttlMs) {
      this.saved.delete(key);
      return undefined;
    }
    return entry;
  }

  has(realmId: string, requestId: string): boolean {
    return this.get(realmId, requestId) !== undefined;
  }

  save(realmId: string, requestId: string, response: Omit<SavedResponse, 'savedAt'>): void {
    this.saved.set(this.key(realmId, requestId), { ...response, savedAt: this.now() });
  }

  get size(): number {
    return this.saved.size;
  }
}
