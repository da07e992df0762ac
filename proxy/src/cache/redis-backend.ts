import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheBackend, CacheLocks } from './backend.ts';

const KEY_PREFIX = 'periscope:cache:';
const LOCK_PREFIX = 'periscope:cache-lock:';
/** Each list item is the variant's expiry (epoch ms, float64 big-endian) followed by the value. */
const EXPIRY_BYTES = 8;

// One round trip, atomic: append, keep the newest N, and never shorten the key's life (an older
// variant may outlive the new one).
const ADD_SCRIPT = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
local ttl = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface ScriptedRedis extends Redis {
  periscopeCacheAdd(key: string, value: Buffer, maxVariants: number, ttlMs: number): Promise<number>;
  periscopeCacheRelease(key: string, token: string): Promise<number>;
}

/**
 * A bucket is a Redis list under `periscope:cache:<sha256>`, so every gateway pointed at the
 * same Redis shares entries. Redis bounds the memory itself (`maxmemory` with an LRU policy);
 * the key expires with its longest-lived variant, and expired variants are skipped on read.
 */
export class RedisCacheBackend implements CacheBackend {
  readonly kind = 'redis';
  readonly locks: CacheLocks;
  readonly #redis: ScriptedRedis;
  readonly #now: () => number;

  /** `redis` is shared with other users of the connection and not closed here. */
  constructor(redis: Redis, now: () => number = Date.now) {
    this.#redis = redis as ScriptedRedis;
    this.#now = now;
    if (!('periscopeCacheAdd' in redis)) {
      redis.defineCommand('periscopeCacheAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
      redis.defineCommand('periscopeCacheRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
    this.locks = {
      acquire: async (key, ttlMs) => {
        const token = randomUUID();
        const ok = await this.#redis.set(LOCK_PREFIX + key, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
        return ok === 'OK' ? token : undefined;
      },
      release: async (key, token) => {
        await this.#redis.periscopeCacheRelease(LOCK_PREFIX + key, token);
      },
    };
  }

  async get(key: string): Promise<Buffer[]> {
    const items = await this.#redis.lrangeBuffer(KEY_PREFIX + key, 0, -1);
    const now = this.#now();
    const live: Buffer[] = [];
    for (const item of items) {
      if (item.length >= EXPIRY_BYTES && item.readDoubleBE(0) > now) live.push(item.subarray(EXPIRY_BYTES));
    }
    return live;
  }

  async add(key: string, value: Buffer, ttlMs: number, maxVariants: number): Promise<void> {
    const item = Buffer.allocUnsafe(EXPIRY_BYTES + value.length);
    item.writeDoubleBE(this.#now() + ttlMs, 0);
    value.copy(item, EXPIRY_BYTES);
    await this.#redis.periscopeCacheAdd(KEY_PREFIX + key, item, Math.max(1, maxVariants), Math.max(1, Math.ceil(ttlMs)));
  }
}
