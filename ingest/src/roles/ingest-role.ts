import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { openStore, type Store, type StoreLocation } from '@periscope/clickhouse';
import { createKafka, ensureTopic, type PeriscopeConfig } from '@periscope/proxy';
import { apiPlugin } from '../api/api-plugin.ts';
import { ensureDataDir, loadOrCreateSecret, resolveAdminAuth } from '../data-dir.ts';
import { createHttpServer } from '../http-server.ts';
import { createIngestMetrics } from '../ingest-metrics.ts';
import { EventConsumer } from '../kafka/event-consumer.ts';

export interface IngestRoleOptions {
  config: PeriscopeConfig;
  location: StoreLocation;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  groupId?: string;
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

  const { app, registry } = createHttpServer(o.logger, () => store.ping());
  await app.register(apiPlugin, { store, admin, keySecret: secret, onKeysChanged: async () => {} });

  const kafka = createKafka(o.config.kafka.brokers, 'periscope-ingest', app.log);
  await ensureTopic(kafka, o.config.kafka.topic, o.config.kafka.partitions);
  const consumer = new EventConsumer({
    kafka, topic: o.config.kafka.topic, deadLetterTopic: o.config.kafka.dead_letter_topic,
    groupId: o.groupId ?? 'periscope-ingest', sessionTimeoutMs: o.config.kafka.session_timeout_ms, store, registry, metrics: createIngestMetrics(registry), log: app.log,
  });
  await consumer.start();
  app.addHook('onClose', async () => {
    await consumer.stop();
    await store.close();
  });
  return { app, store, firstRun: { adminToken: admin.generatedToken } };
}
