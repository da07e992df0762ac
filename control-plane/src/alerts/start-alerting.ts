import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '@periscope/clickhouse';
import { createRedisClient, redisReady } from '@periscope/proxy';
import { type PeriscopeConfig } from '@periscope/contract';
import { SecretBox } from './channels/index.ts';
import { AlertEvaluator } from './evaluator.ts';
import { ClickHouseLease } from './lease/clickhouse-lease.ts';
import type { Lease } from './lease/lease.ts';
import { RedisLease } from './lease/redis-lease.ts';

export const EVALUATOR_LEASE = 'alert-evaluator';

export interface AlertingOptions {
  app: FastifyInstance;
  store: Store;
  registry: Registry;
  secret: Buffer;
  config: () => PeriscopeConfig;
  /** PERISCOPE_REDIS_URL's client when the host already has one (the gateway's); else one is made from env. */
  redis?: Awaited<ReturnType<typeof createRedisClient>>;
  env: NodeJS.ProcessEnv;
  /** Where users reach this Periscope, for links in notifications. */
  publicUrl: () => string;
}

/**
 * The alert evaluator of an ingest process: leads through a lease in Redis when
 * PERISCOPE_REDIS_URL is set (a real compare-and-set), else in ClickHouse (which every
 * ingest shares anyway), and stops with the server.
 */
export async function startAlerting(o: AlertingOptions): Promise<AlertEvaluator> {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let redis = o.redis;
  if (!redis && o.env.PERISCOPE_REDIS_URL) {
    const own = await createRedisClient({ url: o.env.PERISCOPE_REDIS_URL });
    await redisReady(own).catch((err: Error) => {
      own.disconnect();
      throw new Error(`PERISCOPE_REDIS_URL is set but Redis is not reachable: ${err.message}`);
    });
    o.app.addHook('onClose', async () => own.disconnect());
    redis = own;
  }
  const lease: Lease = redis ? new RedisLease(redis, EVALUATOR_LEASE, holder) : new ClickHouseLease(o.store, EVALUATOR_LEASE, holder);
  const evaluator = new AlertEvaluator({
    store: o.store, lease, box: new SecretBox(o.secret), config: o.config, registry: o.registry, log: o.app.log,
    publicUrl: o.publicUrl,
  });
  evaluator.start();
  // Before the store closes: the last round and its deliveries still write history.
  o.app.addHook('preClose', () => evaluator.stop());
  return evaluator;
}

/** The address this server listens on, as a URL a link can use. */
export function listenUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return 'http://localhost';
  const host = address.family === 'IPv6' ? `[${address.address === '::' ? '::1' : address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  return `http://${host}:${address.port}`;
}
