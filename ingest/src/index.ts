export { startEventSource, type EventSource, type EventSourceOptions } from './event-source.ts';
export { SpoolIngest, type SpoolIngestOptions } from './spool-ingest.ts';
export { EventConsumer, startEventConsumer, inflightDirOf, type EventConsumerOptions } from './kafka/event-consumer.ts';
export { createIngestMetrics, type IngestMetrics } from './ingest-metrics.ts';
