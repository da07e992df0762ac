import type { Redis } from 'ioredis';
import { LiveConfig, watchConfigFile, type ConfigWatcher, type ReloadLog } from './config/live-config.ts';
import type { PeriscopeConfig } from '@periscope/contract';
import type { CounterStore } from './limits/counter-store.ts';
import { MemoryCounterStore } from './limits/memory-counter-store.ts';
import { RedisCounterStore } from './limits/redis-counter-store.ts';
import { createRedisClient, redisReady } from './redis.ts';

export interface GatewayServicesOptions {
  config: PeriscopeConfig;
  /** The file the config came from: watched for hot reload (and re-read on SIGHUP). */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  log: ReloadLog;
}

/** What the gateway shares across calls beyond its config: reloadable config, Redis, limit counters. */
export interface GatewayServices {
  config: LiveConfig;
  /** Set when PERISCOPE_REDIS_URL is: shared by limits and the response cache. */
  redis: Redis | undefined;
  counters: CounterStore;
  watcher: ConfigWatcher | undefined;
  close(): Promise<void>;
}

/**
 * Builds the gateway's shared services for a host process (`periscope start` or `proxy`).
 * With PERISCOPE_REDIS_URL every proxy on that Redis shares limit counters; a Redis that is
 * unreachable at start is an error, not a silent fall back to per-process limits.
 */
export async function startGatewayServices(opts: GatewayServicesOptions): Promise<GatewayServices> {
  const env = opts.env ?? process.env;
  const config = new LiveConfig(opts.config);
  const redisUrl = env.PERISCOPE_REDIS_URL;
  let redis: Redis | undefined;
  if (redisUrl) {
    redis = await createRedisClient({ url: redisUrl });
    try {
      await redisReady(redis);
    } catch (err) {
      redis.disconnect();
      throw new Error(`PERISCOPE_REDIS_URL is set but Redis is not reachable: ${(err as Error).message}`);
    }
  }
  const counters: CounterStore = redis ? new RedisCounterStore(redis) : new MemoryCounterStore();
  const watcher = opts.configFile ? watchConfigFile(opts.configFile, config, opts.log, env) : undefined;
  return {
    config, redis, counters, watcher,
    async close() {
      watcher?.close();
      redis?.disconnect();
    },
  };
}
