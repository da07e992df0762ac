/**
 * Leadership among ingest workers: exactly one evaluator acts at a time. `ensure()` is called
 * before each round of work and renews or acquires as needed; false means someone else holds
 * the lease (or it cannot be reached), and this worker must not act in this round.
 */
export interface Lease {
  readonly holder: string;
  readonly kind: 'clickhouse' | 'redis';
  ensure(): Promise<boolean>;
  /** Gives the lease up at once (on shutdown), so another worker need not wait for it to expire. */
  release(): Promise<void>;
}
