import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { SecretBox } from '../alerts/channels/index.ts';
import { ClickHouseLease } from '../alerts/lease/clickhouse-lease.ts';
import { ReportScheduler } from './report-scheduler.ts';
import { ReportLinks } from './signed-links.ts';

export const SCHEDULER_LEASE = 'report-scheduler';

/**
 * The scheduled-report runner of an ingest process. Its lease is in ClickHouse: rounds are
 * seconds apart and each run is recorded by its minute, so a lease handed over late costs
 * at most one repeated delivery.
 */
export function startReportScheduler(o: { app: FastifyInstance; store: Store; secret: Buffer; config: () => PeriscopeConfig; publicUrl: () => string; tickMs?: number }): ReportScheduler {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const scheduler = new ReportScheduler({
    store: o.store, lease: new ClickHouseLease(o.store, SCHEDULER_LEASE, holder), box: new SecretBox(o.secret), links: new ReportLinks(o.secret),
    config: o.config, publicUrl: o.publicUrl, log: o.app.log, tickMs: o.tickMs,
  });
  scheduler.start();
  o.app.addHook('preClose', () => scheduler.stop());
  return scheduler;
}
