import type { Registry } from 'prom-client';
import type { KafkaConfig } from '../config/schema.ts';
import { DiskSpool } from '../events/spool/disk-spool.ts';
import { createKafka, ensureTopic, type KafkaLog } from './client.ts';
import { KafkaSink, kafkaTransport } from './kafka-sink.ts';

export interface RunningKafkaSink {
  sink: KafkaSink;
  /** Flushes memory to Kafka or the spool, fsyncs the spool, disconnects. */
  close(): Promise<void>;
}

/**
 * Opens the spool and the producer and returns a ready sink. Kafka being down at start is
 * fine: events spool and replay once it is reachable (the topic is created then, too).
 */
export async function startKafkaSink(kafka: KafkaConfig, spoolDir: string, registry: Registry, log: KafkaLog): Promise<RunningKafkaSink> {
  const client = createKafka(kafka.brokers, 'periscope-proxy', log);
  const producer = client.producer({ allowAutoTopicCreation: false, idempotent: false });
  const spool = await DiskSpool.open(spoolDir, { maxBytes: kafka.spool.max_bytes, fsyncIntervalMs: kafka.spool.fsync_interval_ms, log });
  let ready: Promise<void> | undefined;
  const connect = () => (ready ??= (async () => {
    await ensureTopic(client, kafka.topic, kafka.partitions);
    await producer.connect();
  })().catch((err) => {
    ready = undefined; // try again on the next send
    throw err;
  }));
  const transport = kafkaTransport(producer, kafka.topic);
  const sink = new KafkaSink({
    transport: { send: async (messages) => { await connect(); await transport.send(messages); } },
    spool, registry, log, memoryMax: kafka.memory_queue_events, onSpoolFull: kafka.spool.on_full,
  });
  await connect().catch((err: Error) => log.warn({ err: err.message }, 'Kafka not reachable at start; events will spool to disk'));
  return {
    sink,
    async close() {
      await sink.close();
      await producer.disconnect().catch(() => undefined);
    },
  };
}
