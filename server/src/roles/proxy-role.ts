import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { ControlPlaneKeys, createProxyMetrics, IdleScavenge, KeySnapshot, proxyPlugin, startEventSpool, startGatewayServices, type ProxyOptions } from '@periscope/proxy';
import { type PeriscopeConfig } from '@periscope/contract';
import { ensureDataDir } from '../data-dir.ts';
import { createHttpServer } from '../http-server.ts';

export interface ProxyRoleOptions {
  config: PeriscopeConfig;
  /** Holds the spool and the last good key snapshot. */
  dataDir: string;
  controlUrl: string;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  dispatcher?: ProxyOptions['dispatcher'];
  /** The config file, watched for hot reload (also re-read on SIGHUP). */
  configFile?: string;
}

export interface ProxyRole {
  app: FastifyInstance;
}

/**
 * `periscope proxy`: the gateway only. Events go to the disk spool and a child process ships them to
 * Kafka; keys come from the control plane, so no call waits on ClickHouse. All proxies
 * and the ingest share PERISCOPE_SECRET (keys are HMACs of it) and PERISCOPE_ADMIN_TOKEN.
 */
export async function startProxyRole(o: ProxyRoleOptions): Promise<ProxyRole> {
  const env = o.env ?? process.env;
  if (!env.PERISCOPE_SECRET || !env.PERISCOPE_ADMIN_TOKEN) {
    throw new Error('periscope proxy needs PERISCOPE_SECRET and PERISCOPE_ADMIN_TOKEN (the same values as the ingest)');
  }
  ensureDataDir(o.dataDir);
  const { app, registry } = createHttpServer(o.logger, async () => {}, { accessLog: false, idlePollMs: o.config.gateway.idle_poll_ms, idleScavenge: o.config.gateway.scavenge_between_calls ? IdleScavenge.create() : undefined, oldSpaceGrowthPercent: o.config.gateway.old_space_growth_percent });
  const metrics = createProxyMetrics(registry);
  const events = await startEventSpool(o.config, o.dataDir, registry, metrics, app.log);
  const snapshot = new KeySnapshot(Buffer.from(env.PERISCOPE_SECRET, 'utf8'));
  const keys = new ControlPlaneKeys({
    controlUrl: o.controlUrl, adminToken: env.PERISCOPE_ADMIN_TOKEN, snapshot,
    cacheFile: join(o.dataDir, 'keys-snapshot.json'), log: app.log,
  });
  await keys.start();
  const services = await startGatewayServices({ config: o.config, configFile: o.configFile, env, log: app.log });
  app.addHook('onClose', () => services.close());
  await app.register(proxyPlugin, {
    config: services.config, counters: services.counters, redis: services.redis, keys: snapshot, sink: events.sink, metrics, dispatcher: o.dispatcher,
  });
  app.addHook('onClose', async () => {
    keys.stop();
    await events.close();
  });
  return { app };
}
