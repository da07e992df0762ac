import type { createRedisClient } from '@periscope/proxy';
import type { Lease } from './lease.ts';

type Redis = Awaited<ReturnType<typeof createRedisClient>>;

/** Extends the key's expiry only while it still names this holder (a compare-and-set Redis has natively). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A lease as one Redis key: `SET NX PX` acquires, a compare-and-pexpire script renews, and
 * whoever's id is in the key leads. Failure modes (docs/alerts.md): while Redis is
 * unreachable nobody leads and alerts pause (counted, logged); a failover to a replica that
 * had not received the key can briefly let a second worker lead (Redis replication is
 * asynchronous), which stable event ids make visible to receivers as a repeat.
 */
export class RedisLease implements Lease {
  readonly kind = 'redis';
  readonly #key: string;

  constructor(private readonly redis: Redis, name: string, readonly holder: string, private readonly ttlMs = 15_000) {
    this.#key = `periscope:lease:${name}`;
  }

  async ensure(): Promise<boolean> {
    if (Number(await this.redis.eval(RENEW, 1, this.#key, this.holder, this.ttlMs)) === 1) return true;
    return (await this.redis.set(this.#key, this.holder, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.#key, this.holder);
  }
}
