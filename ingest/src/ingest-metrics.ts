import { Counter, Histogram, type Registry } from 'prom-client';

/** Series of the write side, shared by the embedded batch writer and the Kafka consumer. */
export function createIngestMetrics(registry: Registry) {
  const registers = [registry];
  return {
    inserted: new Counter({ name: 'periscope_ingest_inserted_total', help: 'Events written to ClickHouse.', registers }),
    insertFailures: new Counter({ name: 'periscope_ingest_insert_failures_total', help: 'Failed inserts (each retried).', registers }),
    insertLatency: new Histogram({
      name: 'periscope_ingest_insert_seconds',
      help: 'Latency of one insert (the Kafka consumer\'s may hold several partitions\' batches).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    deduplicated: new Counter({
      name: 'periscope_ingest_deduplicated_total',
      help: 'Redelivered events that were already stored (collapsed by request_id / the batch dedup token).',
      registers,
    }),
    unfinishedInserts: new Counter({
      name: 'periscope_ingest_unfinished_inserts_total',
      help: 'Inserts a killed ingest left unfinished, at the next start: finished (stored), none of their rows stored so left to the redelivered batch (unstored), refused by the store so left to the redelivered batch, which isolates the bad rows (refused), unreadable (damaged: a rollup may miss their rows); and inserts whose rows could not be kept (not_kept, e.g. a full disk).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    consumed: new Counter({ name: 'periscope_ingest_consumed_total', help: 'Messages read from Kafka.', registers }),
    deadLettered: new Counter({
      name: 'periscope_ingest_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
