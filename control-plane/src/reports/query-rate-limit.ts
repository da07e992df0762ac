import { ApiError } from '../errors.ts';

/**
 * Queries per minute for each user or token: a token bucket that refills continuously, so a
 * burst up to the minute's allowance is fine and a steady overload gets 429s with a wait.
 */
export class QueryRateLimit {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: () => number, private readonly now: () => number = Date.now) {}

  /** Takes one query from `who`'s allowance, or throws a 429 that says when to retry. */
  take(who: string): void {
    const perMinute = this.perMinute();
    const now = this.now();
    const bucket = this.#buckets.get(who) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
    bucket.at = now;
    if (bucket.tokens < 1) {
      const waitSeconds = Math.ceil(((1 - bucket.tokens) * 60) / perMinute);
      throw new ApiError('too_many_requests', `Too many queries: at most ${perMinute} per minute; retry in ${waitSeconds} s.`);
    }
    bucket.tokens -= 1;
    this.#buckets.set(who, bucket);
    // Full buckets carry no state worth keeping.
    if (this.#buckets.size > 10_000) {
      for (const [key, b] of this.#buckets) if (b.tokens + ((now - b.at) * perMinute) / 60_000 >= perMinute) this.#buckets.delete(key);
    }
  }
}
