import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '@periscope/clickhouse';
import { BoundedEventQueue, startKafkaSink, type EventSink, type PeriscopeConfig, type ProxyMetrics } from '@periscope/proxy';
import { BatchWriter } from './batch-writer.ts';
import { createIngestMetrics } from './ingest-metrics.ts';
import { startEventConsumer } from './kafka/event-consumer.ts';

export interface EventPipeline {
  sink: EventSink;
  /** Resolves once everything emitted so far is in ClickHouse (in-process queue only). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

interface PipelineDeps {
  config: PeriscopeConfig;
  dataDir: string;
  store: Store;
  registry: Registry;
  proxyMetrics: ProxyMetrics;
  log: FastifyBaseLogger;
}

/** The default: a bounded in-process queue drained by a batch writer into the store. */
function inProcessPipeline(d: PipelineDeps): EventPipeline {
  let lastDropLog = 0;
  const queue = new BoundedEventQueue(d.config.logging.queue_max_events, {
    onEnqueued: () => d.proxyMetrics.eventsEmitted.inc(),
    onDropped: (reason) => {
      d.proxyMetrics.eventsDropped.inc({ reason });
      if (Date.now() - lastDropLog > 5000) {
        lastDropLog = Date.now();
        d.log.error({ reason }, 'EVENT DROPPED: the event queue is full or closed; see periscope_events_dropped_total');
      }
    },
  });
  const writer = new BatchWriter({
    queue, store: d.store, registry: d.registry, metrics: createIngestMetrics(d.registry), log: d.log,
    onLost: (n) => d.proxyMetrics.eventsDropped.inc({ reason: 'store_unavailable_at_shutdown' }, n),
    onRejected: (n) => d.proxyMetrics.eventsDropped.inc({ reason: 'rejected_by_store' }, n),
  });
  writer.start();
  return { sink: queue, drained: () => writer.drained(), stop: () => writer.stop() };
}

/** `start` with brokers configured: the same process produces to Kafka and consumes back. */
async function kafkaPipeline(d: PipelineDeps): Promise<EventPipeline> {
  const kafka = d.config.kafka;
  const producer = await startKafkaSink(kafka, kafka.spool.dir ?? join(d.dataDir, 'spool'), d.registry, d.log);
  const consumer = await startEventConsumer(kafka, d.store, d.registry, d.log);
  return {
    sink: producer.sink,
    drained: async () => {},
    async stop() {
      await producer.close();
      await consumer.stop();
    },
  };
}

export function startEventPipeline(d: PipelineDeps): Promise<EventPipeline> | EventPipeline {
  return d.config.kafka.brokers.length > 0 ? kafkaPipeline(d) : inProcessPipeline(d);
}
