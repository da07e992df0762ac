import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { openStore, StoreLockedError, type Store } from '@periscope/clickhouse';
import { LiveConfig, watchConfigFile } from '@periscope/proxy';
import { type KeyRecordLike, type PeriscopeConfig } from '@periscope/contract';
import { createFirstKey, startControlPlane, KeyRefresher } from '@periscope/control-plane';
import { ensureDataDir, loadOrCreateSecret, resolveAdminAuth } from '../data-dir.ts';
import { startEventSource } from '@periscope/ingest';
import { createHttpServer, type ProcessMetrics } from '../http-server.ts';
import { WARM_UP_HEADER } from './protocol.ts';

export interface StoreServerOptions {
  dataDir: string;
  config: PeriscopeConfig;
  configFile?: string;
  uiDir?: string;
  /** The unix socket the gateway process forwards the API and the UI to. */
  socket: string;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  /** Every key record, at start and whenever they change: the gateway verifies keys against them. */
  onKeys: (records: KeyRecordLike[]) => void;
}

export interface StoreServer {
  firstRun: { gatewayKey?: string; noAccounts: boolean };
  /** Links in alerts and reports point here once the gateway listens. */
  setPublicUrl(url: string): void;
  metrics(): Promise<ProcessMetrics>;
  /** Takes in what the spool holds for up to `drainMs`, then closes the server and the store. */
  stop(drainMs: number): Promise<void>;
}

/** How long a new store process waits for an exiting one to release the data directory. */
const LOCK_WAIT_MS = 60_000;

/** Opens the embedded store, waiting while a previous store process (still shutting down) holds it. */
async function openWhenFree(dataDir: string, log: { warn(obj: object, msg: string): void }): Promise<Store> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let said = false; ; ) {
    try {
      return await openStore({ dataDir });
    } catch (err) {
      if (!(err instanceof StoreLockedError) || Date.now() > deadline) throw err;
      if (!said) log.warn({ dataDir }, 'waiting for the previous store process to release the data directory');
      said = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * The store process of `periscope start`: the embedded ClickHouse engine, the reader that takes
 * the gateway's spool (or Kafka) into it, and the control plane (API, UI, alerts, reports),
 * served on a unix socket that only the gateway process reaches. chDB's insert, merge and query
 * threads never share the gateway's process or its event loop.
 */
export async function startStoreServer(o: StoreServerOptions): Promise<StoreServer> {
  const env = o.env ?? process.env;
  ensureDataDir(o.dataDir);
  const secret = loadOrCreateSecret(o.dataDir, env);
  const admin = resolveAdminAuth(o.dataDir, env);
  const live = new LiveConfig(o.config);
  const isGatewayPrefix = (segment: string) => Object.hasOwn(live.current.providers, segment);
  let ready = async () => {};
  const { app, registry } = createHttpServer(o.logger, () => ready(), {
    ui: { dir: o.uiDir, isGatewayPrefix }, processMetricsPrefix: 'periscope_store_', trustForwardedFor: true,
    // Headers here come from the gateway process alone, which sets this one only on its own requests.
    accessLog: (request) => request.headers[WARM_UP_HEADER] !== '1',
  });
  const store = await openWhenFree(o.dataDir, app.log);
  await store.migrate();
  await store.setBodyTtlDays(o.config.logging.body_ttl_days);
  const source = await startEventSource({
    config: o.config, spoolDir: o.config.logging.spool.dir ?? join(o.dataDir, 'spool'), dataDir: o.dataDir, store, registry, log: app.log,
  });
  ready = async () => {
    await store.ping();
    const problem = source.problem();
    if (problem) throw new Error(problem);
  };
  const watcher = o.configFile ? watchConfigFile(o.configFile, live, app.log, env) : undefined;
  const keys = new KeyRefresher(store, o.onKeys, app.log);
  const gatewayKey = await createFirstKey(store, secret);
  await keys.refresh();
  keys.start();
  let publicUrl: string | undefined;
  await startControlPlane({
    app, registry, store, secret, admin, config: () => live.current, env, publicUrl: () => publicUrl ?? 'http://localhost', onKeysChanged: () => keys.refresh(),
  });
  app.addHook('onClose', async () => {
    watcher?.close();
    keys.stop();
    await source.stop();
    await store.close();
  });
  // A store process that died leaves its socket file behind; listening needs the path free.
  await rm(o.socket, { force: true });
  await app.listen({ path: o.socket });
  return {
    firstRun: { gatewayKey, noAccounts: (await store.listAccounts()).length === 0 },
    setPublicUrl: (url) => (publicUrl = url),
    metrics: () => registry.getMetricsAsJSON(),
    async stop(drainMs) {
      await source.drainAvailable(drainMs);
      await app.close();
    },
  };
}
