import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type LogEntry } from 'kafkajs';
import { useSizedGzipCodec } from './kafka-gzip.ts';

/** The slice of a pino/Fastify logger kafkajs output is routed to. */
export interface KafkaLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/**
 * One place that builds kafkajs clients for the proxy's producer and the ingest's consumer:
 * kafkajs logs go to our structured logger, and retries are short so an unreachable broker
 * surfaces in seconds (the caller spools or pauses) instead of hanging a send for minutes.
 * GZIP batches are decompressed by kafka-gzip.ts.
 */
export function createKafka(brokers: string[], clientId: string, log: KafkaLog, overrides: Partial<KafkaJsConfig> = {}): Kafka {
  useSizedGzipCodec();
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      const obj = { kafka: rest };
      if (level === logLevel.ERROR) log.error(obj, `kafka: ${message}`);
      else if (level === logLevel.WARN) log.warn(obj, `kafka: ${message}`);
      else if (level === logLevel.INFO) log.info(obj, `kafka: ${message}`);
      else log.debug(obj, `kafka: ${message}`);
    },
    ...overrides,
  });
}

/** Creates the topic when absent (idempotent; an existing topic keeps its partition count). */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}
