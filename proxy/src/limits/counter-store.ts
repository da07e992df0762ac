/**
 * Atomic counters for limits and budgets. One `admit` checks every entry and, only if all
 * pass, applies them all: a call refused by its third limit leaves the first two untouched.
 * The in-memory store serves one process; the Redis store (atomic Lua scripts) is shared by
 * every proxy pointed at the same Redis.
 */
export type AdmitEntry =
  /** A windowed sum: passes when `current + need <= limit`, then adds `add`. */
  | { kind: 'counter'; key: string; need: number; add: number; limit: number; ttlMs: number }
  /** A concurrency slot: passes when fewer than `limit` leases are live, then takes one until released (or `leaseMs` passes, if its holder died). */
  | { kind: 'lease'; key: string; member: string; limit: number; leaseMs: number };

export type AdmitResult =
  | { ok: true; /** Per entry, the value after admission (counter) or leases held (lease). */ values: number[] }
  | { ok: false; /** The first entry that did not fit, and its value. */ index: number; value: number };

export interface CounterAdd {
  key: string;
  amount: number;
  ttlMs: number;
}

export interface CounterStore {
  readonly kind: 'memory' | 'redis';
  admit(entries: AdmitEntry[]): Promise<AdmitResult>;
  /** Adds to windowed counters after the fact (tokens used, dollars spent); returns the new values. */
  add(adds: CounterAdd[]): Promise<number[]>;
  release(key: string, member: string): Promise<void>;
  close(): Promise<void>;
}
