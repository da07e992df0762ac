import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { openStore, type Store } from '@periscope/clickhouse';
import {
  BoundedEventQueue, createPriceBook, createProxyMetrics, KeySnapshot, proxyPlugin, type PeriscopeConfig,
} from '@periscope/proxy';
import type { ProxyOptions } from '@periscope/proxy';
import { apiPlugin, createKey } from './api/api-plugin.ts';
import { BatchWriter } from './batch-writer.ts';
import { ensureDataDir, loadOrCreateSecret, resolveAdminAuth } from './data-dir.ts';
import { ApiError } from './errors.ts';
import { KeyRefresher } from './key-refresher.ts';
import { STATUS_PAGE } from './status-page.ts';

export interface EmbeddedOptions {
  dataDir: string;
  config: PeriscopeConfig;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  /** Tests and benches inject an undici dispatcher; production uses the proxy's default pool. */
  dispatcher?: ProxyOptions['dispatcher'];
}

export interface EmbeddedServer {
  app: FastifyInstance;
  store: Store;
  queue: BoundedEventQueue;
  /** Set on the first start only: the admin token and a gateway key, to print once. */
  firstRun: { adminToken?: string; gatewayKey?: string };
  /** Waits until every queued event is in ClickHouse (tests, shutdown). */
  flush(): Promise<void>;
}

/** Strips query strings from logged URLs: some providers put keys there (`?key=`). */
const requestSerializer = (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?', 1)[0] });

/**
 * Every role in one process (`periscope start`): the gateway, the in-process event queue and
 * batch writer into the embedded chDB store, the API, and /healthz and /metrics.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const env = opts.env ?? process.env;
  ensureDataDir(opts.dataDir);
  const secret = loadOrCreateSecret(opts.dataDir, env);
  const admin = resolveAdminAuth(opts.dataDir, env);
  const store = await openStore({ dataDir: opts.dataDir });
  await store.migrate();
  await store.setBodyTtlDays(opts.config.logging.body_ttl_days);

  const app = Fastify({
    logger: opts.logger === undefined ? { level: 'info', serializers: { req: requestSerializer } } : opts.logger,
    // Streams of reasoning models can run for many minutes.
    requestTimeout: 0,
    bodyLimit: 1024 * 1024,
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'periscope_' });
  const metrics = createProxyMetrics(registry);
  let lastDropLog = 0;
  const queue = new BoundedEventQueue(opts.config.logging.queue_max_events, {
    onEnqueued: () => metrics.eventsEmitted.inc(),
    onDropped: (reason) => {
      metrics.eventsDropped.inc({ reason });
      if (Date.now() - lastDropLog > 5000) {
        lastDropLog = Date.now();
        app.log.error({ reason }, 'EVENT DROPPED: the event queue is full or closed; see periscope_events_dropped_total');
      }
    },
  });
  const writer = new BatchWriter({
    queue, store, registry, log: app.log, onLost: (n) => metrics.eventsDropped.inc({ reason: 'store_unavailable_at_shutdown' }, n),
  });
  writer.start();

  const snapshot = new KeySnapshot(secret);
  const refresher = new KeyRefresher(store, snapshot, app.log);
  await refresher.refresh();
  refresher.start();

  const firstRun: EmbeddedServer['firstRun'] = { adminToken: admin.generatedToken };
  if (snapshot.size === 0) {
    firstRun.gatewayKey = (await createKey(store, secret, 'default', 'created at first start', null)).key;
    await refresher.refresh();
  }

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const err = error instanceof ApiError ? error
      : error.statusCode && error.statusCode < 500 ? new ApiError('invalid_body', error.message)
      : new ApiError('internal_error', 'Internal error.');
    if (err.status >= 500) request.log.error({ err: error }, 'API error');
    void reply.code(err.status).send({ error: { code: err.code, message: err.message } });
  });

  await app.register(proxyPlugin, {
    config: opts.config, keys: snapshot, sink: queue, metrics, dispatcher: opts.dispatcher,
    priceBook: createPriceBook(opts.config.pricing),
  });
  await app.register(apiPlugin, { store, admin, keySecret: secret, onKeysChanged: () => refresher.refresh() });
  app.get('/healthz', async (_req, reply) => {
    try {
      await store.ping();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'store not reachable' });
    }
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/', async (_req, reply) => reply.type('text/html').send(STATUS_PAGE));

  app.addHook('onClose', async () => {
    refresher.stop();
    await writer.stop();
    await store.close();
  });

  return {
    app,
    store,
    queue,
    firstRun,
    flush: () => writer.drained(),
  };
}
