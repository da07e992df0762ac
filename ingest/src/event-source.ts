import { rmSync } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import type { SpoolPosition } from '@periscope/spool';
import { createIngestMetrics } from './ingest-metrics.ts';
import { inflightDirOf, startEventConsumer } from './kafka/event-consumer.ts';
import { SpoolIngest } from './spool-ingest.ts';

export interface EventSource {
  /** Resolves once everything before `position` in the gateway's spool is stored (at once with Kafka). */
  drainedTo(position: SpoolPosition): Promise<void>;
  /** Takes in what is waiting (the spool's backlog), for up to `ms`; at once with Kafka. */
  drainAvailable(ms: number): Promise<void>;
  /** Why events cannot be taken in right now ('' when they can), for /healthz. */
  problem(): string;
  stop(): Promise<void>;
}

export interface EventSourceOptions {
  config: PeriscopeConfig;
  /** The gateway's spool, read when no Kafka brokers are configured. */
  spoolDir: string;
  /** The embedded store's data dir: the Kafka consumer keeps the rows of its inserts in flight there. */
  dataDir: string;
  store: Store;
  registry: Registry;
  log: FastifyBaseLogger;
}

/** Where the embedded store takes events from: the gateway's spool, or Kafka when brokers are configured. */
export async function startEventSource(o: EventSourceOptions): Promise<EventSource> {
  const metrics = createIngestMetrics(o.registry);
  if (o.config.kafka.brokers.length > 0) {
    const consumer = startEventConsumer(o.config.kafka, o.store, o.registry, metrics, o.log, inflightDirOf(o.dataDir));
    return { drainedTo: async () => {}, drainAvailable: async () => {}, problem: () => consumer.problem, stop: () => consumer.stop() };
  }
  // Kafka batches are not redelivered here any more; an entry replayed after the spool's inserts
  // pushed its token out of the engine's memory (the last 1,000 per table) would count twice.
  try {
    rmSync(inflightDirOf(o.dataDir), { recursive: true, force: true });
  } catch (err) {
    o.log.error({ err }, 'ingest: cannot remove the in-flight journal of an earlier Kafka run');
  }
  const ingest = await SpoolIngest.start({ dir: o.spoolDir, store: o.store, registry: o.registry, metrics, log: o.log });
  return {
    drainedTo: (position) => ingest.drainedTo(position), drainAvailable: (ms) => ingest.drainAvailable(ms), problem: () => '', stop: () => ingest.stop(),
  };
}
