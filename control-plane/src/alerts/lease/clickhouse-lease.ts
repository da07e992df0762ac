import { setTimeout as sleep } from 'node:timers/promises';
import type { LeaseView, Store } from '@periscope/clickhouse';
import type { Lease } from './lease.ts';

export interface ClickHouseLeaseOptions {
  ttlMs?: number;
  /**
   * Wait between claiming a term and reading who won it: longer than an insert takes to
   * become visible to another worker's read, so a claim written just before ours is seen.
   */
  settleMs?: number;
  /** A holder moves to a fresh term this often, so claims that age out (1-day TTL) never belong to a live term. */
  retermMs?: number;
}

/** A holder id that is never a worker: claiming a term with it ends the current term at once. */
const RELEASED = '(released)';

/**
 * A lease in ClickHouse, which has no compare-and-set: each term collects claims, and the
 * earliest claim by the server's clock (ties: the smaller holder id) holds the term until
 * its newest renewal expires. A worker claims the next term only when the current one has
 * expired, waits `settleMs`, and reads the claims back; it leads only if its claim is first.
 * Two workers claiming at once therefore both read the same winner.
 *
 * Failure modes (docs/alerts.md): claims become visible to other readers after the settle
 * wait on one server; with replicas behind a load balancer a claim may be read late, so
 * point every ingest at one replica or use Redis. A leader stalled longer than its TTL (a
 * long GC pause, a frozen VM) can finish one round after another worker took over; event
 * ids are stable per transition, so history keeps one row and receivers can drop the repeat.
 */
export class ClickHouseLease implements Lease {
  readonly kind = 'clickhouse';
  readonly #ttlMs: number;
  readonly #settleMs: number;
  readonly #retermMs: number;

  constructor(private readonly store: Store, private readonly name: string, readonly holder: string, o: ClickHouseLeaseOptions = {}) {
    this.#ttlMs = o.ttlMs ?? 15_000;
    this.#settleMs = o.settleMs ?? 500;
    this.#retermMs = o.retermMs ?? 3_600_000;
  }

  async ensure(): Promise<boolean> {
    const view = await this.store.readLease(this.name);
    const term = termState(view);
    if (term && term.holder === this.holder && view.now < term.expiresAt - this.#ttlMs / 3) {
      if (view.now - term.startedAt >= this.#retermMs) return this.#claim(view.term + 1);
      if (term.expiresAt - view.now < (this.#ttlMs * 2) / 3) await this.store.claimLease(this.name, view.term, this.holder, this.#ttlMs);
      return true;
    }
    // Someone else's live term, or our own in its last third (a delayed round): renewing that
    // late could race a worker that sees it expire, so sit this round out and claim afresh.
    if (term && view.now < term.expiresAt) return false;
    return this.#claim(view.term + 1);
  }

  async release(): Promise<void> {
    const view = await this.store.readLease(this.name);
    if (termState(view)?.holder === this.holder) await this.store.claimLease(this.name, view.term + 1, RELEASED, 0);
  }

  async #claim(term: number): Promise<boolean> {
    await this.store.claimLease(this.name, term, this.holder, this.#ttlMs);
    await sleep(this.#settleMs);
    const after = await this.store.readLease(this.name);
    return after.term === term && termState(after)?.holder === this.holder;
  }
}

/** Who holds the newest term, since when, and until when (its holder's newest renewal). */
export function termState(view: LeaseView): { holder: string; startedAt: number; expiresAt: number } | undefined {
  const first = [...view.claims].sort((a, b) => a.claimed_at - b.claimed_at || a.holder.localeCompare(b.holder))[0];
  if (!first) return undefined;
  const own = view.claims.filter((c) => c.holder === first.holder);
  return { holder: first.holder, startedAt: first.claimed_at, expiresAt: Math.max(...own.map((c) => c.claimed_at + c.ttl_ms)) };
}
