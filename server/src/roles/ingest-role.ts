import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { openStore, type Store, type StoreLocation } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { ensureDataDir, loadOrCreateSecret, resolveAdminAuth } from '../data-dir.ts';
import { createHttpServer } from '../http-server.ts';
import { startEventConsumer, inflightDirOf, type EventConsumer, createIngestMetrics } from '@periscope/ingest';
import { startControlPlane } from '@periscope/control-plane';

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

  const source: { consumer?: EventConsumer } = {};
  // Ready while the store answers and the consumer is fetching: a broker outage shows here.
  const ready = async () => {
    await store.ping();
    if (source.consumer && !source.consumer.healthy()) throw new Error(source.consumer.problem);
  };
  const { app, registry } = createHttpServer(o.logger, ready, { ui: { dir: o.uiDir } });
  // Proxies poll /api/keys/snapshot: nothing to push when keys change.
  await startControlPlane({ app, registry, store, secret, admin, config: () => o.config, env, onKeysChanged: async () => {} });

  // A ClickHouse server finishes an insert whose client died; the embedded engine dies with us.
  const consumer = startEventConsumer(o.config.kafka, store, registry, createIngestMetrics(registry), app.log, dataDir ? inflightDirOf(dataDir) : undefined);
  source.consumer = consumer;
  app.addHook('onClose', async () => {
    await consumer.stop();
    await store.close();
  });
  return { app, store, firstRun: { adminToken: admin.generatedToken } };
}
