import { readdirSync, rmSync } from 'node:fs';
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
  discardKafkaJournal(o.dataDir, o.log);
  const ingest = await SpoolIngest.start({ dir: o.spoolDir, store: o.store, registry: o.registry, metrics, log: o.log });
  return {
    drainedTo: (position) => ingest.drainedTo(position), drainAvailable: (ms) => ingest.drainAvailable(ms), problem: () => '', stop: () => ingest.stop(),
  };
}

/**
 * A data directory a Kafka run used, started without Kafka: its Kafka batches are not redelivered
 * here, and an in-flight entry replayed after the spool's inserts pushed its token out of the
 * engine's memory (the last 1,000 per table) would count twice, so the journal goes. What that
 * run left unstored (its unfinished inserts, and whatever the topic still holds for the group)
 * waits in Kafka: said loudly, since only a start with Kafka again stores it. Returns the
 * unfinished inserts left behind.
 */
export function discardKafkaJournal(dataDir: string, log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void }): number {
  const dir = inflightDirOf(dataDir);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0; // never a Kafka run here
  }
  const unfinished = entries.filter((name) => !name.endsWith('.tmp')).length;
  log.warn(
    { unfinished_inserts: unfinished },
    'ingest: this data directory was used with Kafka; started without it, it takes events from the spool only. '
      + 'What that run left unstored (its unfinished inserts, and any events the topic still holds for its consumer group) stays in Kafka: '
      + 'start with Kafka again until it has caught up before switching',
  );
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    log.error({ err }, 'ingest: cannot remove the in-flight journal of an earlier Kafka run');
  }
  return unfinished;
}
