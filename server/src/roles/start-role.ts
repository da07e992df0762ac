import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { createProxyMetrics, IdleScavenge, KeySnapshot, proxyPlugin, startEventSpool, startGatewayServices, type ProxyOptions } from '@periscope/proxy';
import { type PeriscopeConfig } from '@periscope/contract';
import { ensureDataDir, loadOrCreateSecret, resolveAdminAuth } from '../data-dir.ts';
import { createHttpServer } from '../http-server.ts';
import { forwardToStore, storeRewrite } from '../store-process/forward.ts';
import { StoreProcess } from '../store-process/store-process.ts';
import { warmStoreRelay } from '../store-process/warm-relay.ts';

export interface StartRoleOptions {
  dataDir: string;
  config: PeriscopeConfig;
  configFile?: string;
  uiDir?: string;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  dispatcher?: ProxyOptions['dispatcher'];
}

export interface StartRole {
  app: FastifyInstance;
  /** Set on the first start only: what to print once. */
  firstRun: { adminToken?: string; gatewayKey?: string; noAccounts?: boolean };
  store: StoreProcess;
  /** Once listening, at `origin` (this process's own port): runs the relay to the store process before calls make the code hot (warm-relay.ts). */
  warmRelay: (origin: string) => Promise<void>;
}

/** How long a stopping store process may take in what the gateway spooled before it exits. */
const STOP_DRAIN_MS = 10_000;

/**
 * `periscope start`: two processes. This one is the gateway (calls, the spool they are logged
 * to, /healthz, /metrics) and answers on the one port; the store process it starts holds the
 * embedded ClickHouse engine, reads the spool into it, and serves the API and the UI, which
 * this process relays to it. The store's inserts, merges and queries never run on the
 * gateway's event loop or core-share its process, and a crash of either loses no answered call:
 * each was in the spool before its last byte went out.
 */
export async function startAllInOne(o: StartRoleOptions): Promise<StartRole> {
  const env = o.env ?? process.env;
  ensureDataDir(o.dataDir);
  const secret = loadOrCreateSecret(o.dataDir, env);
  // Here, before the store process reads it: a generated admin token is printed by this process.
  const admin = resolveAdminAuth(o.dataDir, env);
  const snapshot = new KeySnapshot(secret);
  let live: { current: PeriscopeConfig } = { current: o.config };
  const isGatewayPrefix = (segment: string) => Object.hasOwn(live.current.providers, segment);
  const holder: { store?: StoreProcess } = {};
  const warmUpToken = randomBytes(24).toString('base64url');
  const { app, registry } = createHttpServer(o.logger, async () => {
    if (!holder.store?.up) throw new Error('the store process is starting again');
  }, { rewriteUrl: storeRewrite(isGatewayPrefix), moreMetrics: async () => holder.store?.metrics(), accessLog: false, idlePollMs: o.config.gateway.idle_poll_ms, idleScavenge: o.config.gateway.scavenge_between_calls ? IdleScavenge.create() : undefined, oldSpaceGrowthPercent: o.config.gateway.old_space_growth_percent });

  const { store, firstRun } = await StoreProcess.start({
    dataDir: o.dataDir, config: o.config, configFile: o.configFile, uiDir: o.uiDir, env, log: app.log, onKeys: (records) => snapshot.replace(records),
  });
  holder.store = store;
  try {
    const metrics = createProxyMetrics(registry);
    const events = await startEventSpool(o.config, o.dataDir, registry, metrics, app.log);
    const services = await startGatewayServices({ config: o.config, configFile: o.configFile, env, log: app.log });
    live = services.config;
    await app.register(proxyPlugin, {
      config: services.config, counters: services.counters, redis: services.redis, keys: snapshot, sink: events.sink, metrics, dispatcher: o.dispatcher,
    });
    await app.register(forwardToStore, { store, warmUpToken });
    app.addHook('onClose', async () => {
      await services.close();
      // After the last call ended: what it spooled is in the file, and the store takes it in.
      await events.close();
      await store.stop(STOP_DRAIN_MS);
    });
  } catch (err) {
    await store.stop(0);
    throw err;
  }
  const warmRelay = async (origin: string) => {
    const started = performance.now();
    const answered = await warmStoreRelay(origin, warmUpToken);
    app.log.info({ answered, ms: Math.round(performance.now() - started) }, 'warmed the relay to the store process');
  };
  return { app, firstRun: Object.assign({}, firstRun, { adminToken: admin.generatedToken }), store, warmRelay };
}
