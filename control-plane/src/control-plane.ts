import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '@periscope/clickhouse';
import type { createRedisClient } from '@periscope/proxy';
import type { PeriscopeConfig } from '@periscope/contract';
import { apiPlugin } from './api/api-plugin.ts';
import { createKey } from './api/key-routes.ts';
import type { AdminAuth } from './api/admin-auth.ts';
import type { AlertEvaluator } from './alerts/evaluator.ts';
import { listenUrl, startAlerting } from './alerts/start-alerting.ts';
import { startReportScheduler } from './reports/start-report-scheduler.ts';

export interface ControlPlaneOptions {
  app: FastifyInstance;
  registry: Registry;
  store: Store;
  secret: Buffer;
  admin: AdminAuth;
  config: () => PeriscopeConfig;
  env: NodeJS.ProcessEnv;
  /** PERISCOPE_REDIS_URL's client when the host already has one. */
  redis?: Awaited<ReturnType<typeof createRedisClient>>;
  /** Where users reach this Periscope, for links in alerts and reports; default this server's address. */
  publicUrl?: () => string;
  /** A key was created or revoked through the API: the gateway's snapshot must follow now. */
  onKeysChanged: () => Promise<void>;
}

/**
 * The control plane on a server that holds the store: the HTTP API (requests, metrics, keys,
 * accounts, alerts, reports, SQL), the alert evaluator and the report scheduler. Every host of
 * the store runs it the same way: `periscope ingest`, the store process of `periscope start`,
 * and the all-in-one test server.
 */
export async function startControlPlane(o: ControlPlaneOptions): Promise<{ alerts: AlertEvaluator }> {
  const publicUrl = () => o.config().alerts.public_url ?? o.publicUrl?.() ?? listenUrl(o.app);
  const alerts = await startAlerting({ app: o.app, store: o.store, registry: o.registry, secret: o.secret, config: o.config, redis: o.redis, env: o.env, publicUrl });
  startReportScheduler({ app: o.app, store: o.store, secret: o.secret, config: o.config, publicUrl });
  await o.app.register(apiPlugin, {
    store: o.store, admin: o.admin, keySecret: o.secret, onKeysChanged: o.onKeysChanged, config: o.config,
    onAlertRulesChanged: (id) => alerts.rulesChanged(id),
  });
  return { alerts };
}

/** On a store with no gateway key yet, creates one for project "default" and returns it (printed once). */
export async function createFirstKey(store: Store, secret: Buffer): Promise<string | undefined> {
  if ((await store.listKeys()).length > 0) return undefined;
  return (await createKey(store, secret, { project: 'default', name: 'created at first start' })).key;
}
