import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { openStore, type Store } from '@periscope/clickhouse';
import { createProxyMetrics, IdleScavenge, KeySnapshot, proxyPlugin, startEventSpool, startGatewayServices, type ProxyOptions } from '@periscope/proxy';
import { type PeriscopeConfig } from '@periscope/contract';
import { startEventSource } from '@periscope/ingest';
import { ensureDataDir, loadOrCreateSecret, resolveAdminAuth } from './data-dir.ts';
import { createHttpServer } from './http-server.ts';
import { KeyRefresher, createFirstKey, startControlPlane } from '@periscope/control-plane';
import type { AlertEvaluator } from '@periscope/control-plane';

export interface EmbeddedOptions {
  dataDir: string;
  config: PeriscopeConfig;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  /** Tests and benches inject an undici dispatcher; production uses the proxy's default pool. */
  dispatcher?: ProxyOptions['dispatcher'];
  /** The config file, watched for hot reload (also re-read on SIGHUP). */
  configFile?: string;
  /** The built web UI; default ui/dist of this repository. */
  uiDir?: string;
}

export interface EmbeddedServer {
  app: FastifyInstance;
  store: Store;
  /**
   * Set on the first start only: the admin token and a gateway key, to print once; and, until
   * someone creates one, that there is no account to sign in with.
   */
  firstRun: { adminToken?: string; gatewayKey?: string; noAccounts?: boolean };
  /** Waits until every event spooled so far is in ClickHouse (tests; immediate with Kafka). */
  flush(): Promise<void>;
  /** The alert evaluator (acts while it holds the lease). */
  alerts: AlertEvaluator;
}

/**
 * Every role in one process: the gateway appending events to the spool, the spool (or Kafka)
 * read into the embedded chDB store, the API, and /healthz and /metrics. Tests and the bench
 * use it; `periscope start` runs the same parts in two processes (roles/start-role.ts), so
 * the store never shares the gateway's event loop.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const env = opts.env ?? process.env;
  ensureDataDir(opts.dataDir);
  const secret = loadOrCreateSecret(opts.dataDir, env);
  const admin = resolveAdminAuth(opts.dataDir, env);
  const store = await openStore({ dataDir: opts.dataDir });
  await store.migrate();
  await store.setBodyTtlDays(opts.config.logging.body_ttl_days);

  // Provider names (as of the config in effect, which may reload) are the gateway's first path
  // segments; the UI answers every other page a browser asks for.
  let live: { current: PeriscopeConfig } = { current: opts.config };
  const ui = { dir: opts.uiDir, isGatewayPrefix: (segment: string) => Object.hasOwn(live.current.providers, segment) };
  const { app, registry } = createHttpServer(opts.logger, () => store.ping(), { ui, accessLog: false, idlePollMs: opts.config.gateway.idle_poll_ms, idleScavenge: opts.config.gateway.scavenge_between_calls ? IdleScavenge.create() : undefined, oldSpaceGrowthPercent: opts.config.gateway.old_space_growth_percent });
  const metrics = createProxyMetrics(registry);
  const events = await startEventSpool(opts.config, opts.dataDir, registry, metrics, app.log);
  const source = await startEventSource({ config: opts.config, spoolDir: events.dir, dataDir: opts.dataDir, store, registry, log: app.log });

  const snapshot = new KeySnapshot(secret);
  const refresher = new KeyRefresher(store, (records) => snapshot.replace(records), app.log);
  await refresher.refresh();
  refresher.start();

  const firstRun: EmbeddedServer['firstRun'] = { adminToken: admin.generatedToken, noAccounts: (await store.listAccounts()).length === 0 };
  firstRun.gatewayKey = await createFirstKey(store, secret);
  if (firstRun.gatewayKey) await refresher.refresh();

  const services = await startGatewayServices({ config: opts.config, configFile: opts.configFile, env, log: app.log });
  live = services.config;
  app.addHook('onClose', () => services.close());
  await app.register(proxyPlugin, {
    config: services.config, counters: services.counters, redis: services.redis, keys: snapshot, sink: events.sink, metrics, dispatcher: opts.dispatcher,
  });
  const { alerts } = await startControlPlane({
    app, registry, store, secret, admin, config: () => live.current, env, redis: services.redis, onKeysChanged: () => refresher.refresh(),
  });

  app.addHook('onClose', async () => {
    refresher.stop();
    await events.close();
    await source.stop();
    await store.close();
  });

  return {
    app,
    store,
    firstRun,
    flush: () => source.drainedTo(events.writer.position),
    alerts,
  };
}
