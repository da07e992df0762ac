import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { openStore, type Store, type StoreLocation } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/proxy';
import { apiPlugin } from '../api/api-plugin.ts';
import { ensureDataDir, loadOrCreateSecret, resolveAdminAuth } from '../data-dir.ts';
import { createHttpServer } from '../http-server.ts';
import { startEventConsumer, type EventConsumer } from '../kafka/event-consumer.ts';
import { createIngestMetrics } from '../ingest-metrics.ts';
import { startAlerting } from '../alerts/start-alerting.ts';
import { startReportScheduler } from '../reports/start-report-scheduler.ts';

export interface IngestRoleOptions {
  config: PeriscopeConfig;
  location: StoreLocation;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  /** The built web UI; default ui/dist of this repository. */
  uiDir?: string;
}

export interface IngestRole {
  app: FastifyInstance;
  store: Store;
  firstRun: { adminToken?: string };
}

/**
 * `periscope ingest`: the Kafka consumer writing into ClickHouse, plus the API (and, through
 * `/api/keys/snapshot`, the control plane distributed proxies take their keys from).
 */
export async function startIngestRole(o: IngestRoleOptions): Promise<IngestRole> {
  const env = o.env ?? process.env;
  const dataDir = 'dataDir' in o.location ? o.location.dataDir : undefined;
  if (dataDir) ensureDataDir(dataDir);
  const secret = loadOrCreateSecret(dataDir, env);
  const admin = resolveAdminAuth(dataDir, env);
  const store = await openStore(o.location);
  await store.migrate();
  await store.setBodyTtlDays(o.config.logging.body_ttl_days);

  let consumer: EventConsumer | undefined;
  // Ready while the store answers and the consumer is fetching: a broker outage shows here.
  const ready = async () => {
    await store.ping();
    if (consumer && !consumer.healthy()) throw new Error(consumer.problem);
  };
  const { app, registry } = createHttpServer(o.logger, ready, { dir: o.uiDir });
  const alerts = await startAlerting({ app, store, registry, secret, config: () => o.config, env });
  startReportScheduler({ app, store, secret, config: () => o.config });
  await app.register(apiPlugin, {
    store, admin, keySecret: secret, onKeysChanged: async () => {}, config: () => o.config, onAlertRulesChanged: (id) => alerts.rulesChanged(id),
  });

  consumer = startEventConsumer(o.config.kafka, store, registry, createIngestMetrics(registry), app.log);
  app.addHook('onClose', async () => {
    await consumer?.stop();
    await store.close();
  });
  return { app, store, firstRun: { adminToken: admin.generatedToken } };
}
