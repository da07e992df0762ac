import type { Redis } from 'ioredis';

export interface RedisClientOptions {
  /** `PERISCOPE_REDIS_URL`, e.g. redis://127.0.0.1:6379/0 or rediss://user:pass@host:6380. */
  url: string;
  /** Longest a command may take before it fails; callers treat a failure as "not available". */
  commandTimeoutMs?: number;
}

/**
 * The one place a Redis connection is made (response cache, rate limits, budgets share it).
 * ioredis is loaded here, on first use: a gateway without Redis never loads it (its code is a
 * few MB of every process's heap).
 * Commands fail fast instead of queueing while Redis is unreachable: a cache lookup or a
 * counter must never hold a call, so callers fall back (cache miss, local counting) and the
 * client keeps reconnecting in the background.
 */
export async function createRedisClient(options: RedisClientOptions): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectionName: 'periscope',
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  });
}

/** Resolves once the client is connected, or rejects with the reason (bad URL, refused, auth). */
export function redisReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis did not become ready within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => done();
    const onError = (err: Error) => done(err);
    function done(err?: Error) {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (err) reject(err);
      else resolve();
    }
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
