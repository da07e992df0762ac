import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CompressionTypes } from 'kafkajs';
import { Registry } from 'prom-client';
import type { RequestEvent, Store } from '@periscope/clickhouse';
import { createKafka, ensureTopic, parseConfig } from '@periscope/proxy';
import { startKafkaBroker, type KafkaBroker } from '@periscope/testkit';
// @periscope/ingest is imported by path, like the rest of the bench's ingest side.
import { createIngestMetrics } from '../../ingest/src/ingest-metrics.ts';
import { startEventConsumer } from '../../ingest/src/kafka/event-consumer.ts';
import { createHttpServer } from '../../ingest/src/http-server.ts';

export interface KafkaIngestResult {
  events: number;
  brokers: string;
  /** The broker was started by the bench (Apache Kafka via scripts/kafka), not given. */
  startedBroker: boolean;
  /** Producing the backlog with acks=-1, gzip, 500 per send (what the proxy's sink does). */
  produceEventsPerSec: number;
  /** From consumer start until every event was in chDB: the ingest worker draining a backlog. */
  consumeEventsPerSec: number;
  durationS: number;
}

/**
 * Kafka → ingest consumer → chDB: `n` events are produced to a fresh topic first, then one
 * ingest consumer (the production code: eachBatch, dedup tokens, offsets after the insert)
 * drains them into `store`. Uses PERISCOPE_KAFKA_BROKERS when set, else starts a broker.
 */
export async function kafkaIngest(store: Store, events: (i: number) => RequestEvent, n: number): Promise<KafkaIngestResult> {
  let broker: KafkaBroker | undefined;
  let dir: string | undefined;
  let brokers = process.env.PERISCOPE_KAFKA_BROKERS ?? '';
  if (!brokers) {
    dir = await mkdtemp(join(tmpdir(), 'periscope-bench-kafka-'));
    broker = await startKafkaBroker({ dir });
    brokers = broker.brokers;
  }
  const { app } = createHttpServer(false, () => Promise.resolve());
  try {
    const topic = `periscope.bench.${Date.now()}`;
    const config = parseConfig({ kafka: { brokers: brokers.split(','), topic, partitions: 6 } }, {}).kafka;
    const kafka = createKafka(config.brokers, 'periscope-bench', app.log);
    await ensureTopic(kafka, topic, config.partitions);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const produceStart = performance.now();
    for (let i = 0; i < n; i += 500) {
      const messages = [];
      for (let j = i; j < Math.min(n, i + 500); j++) {
        const e = events(j);
        messages.push({ key: e.request_id, value: Buffer.from(JSON.stringify(e)) });
      }
      await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
    }
    const produceS = (performance.now() - produceStart) / 1000;
    await producer.disconnect();

    const registry = new Registry();
    const consumeStart = performance.now();
    const consumer = startEventConsumer(config, store, registry, createIngestMetrics(registry), app.log);
    const inserted = async () => (await registry.getSingleMetric('periscope_ingest_inserted_total')?.get())?.values[0]?.value ?? 0;
    const deadline = Date.now() + 600_000;
    while ((await inserted()) < n) {
      if (Date.now() > deadline) throw new Error(`Kafka → chDB: only ${await inserted()} of ${n} events stored after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const durationS = (performance.now() - consumeStart) / 1000;
    await consumer.stop();
    return { events: n, brokers, startedBroker: broker !== undefined, produceEventsPerSec: n / produceS, consumeEventsPerSec: n / durationS, durationS };
  } finally {
    await app.close();
    await broker?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
