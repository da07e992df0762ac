import { Kafka, logLevel, type RetryOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKafkaBroker } from './kafka-broker.ts';
import type { KafkaBroker } from './kafka-broker.ts';
import { kafkaAnswers } from './kafka-probe.ts';
import { kafkaBrokers } from './vitest-kafka-setup.ts';


let dir: string;
let broker: KafkaBroker;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-kafka-test-'));
  broker = await startKafkaBroker({ dir });
}, 200_000);

afterAll(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

function client(retry?: RetryOptions): Kafka {
  // Connection errors while the broker is down are expected here, not news.
  return new Kafka({ clientId: 'kafka-broker-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING, retry });
}

async function createTopic(topic: string): Promise<void> {
  const admin = client().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

/** Reads the topic from the beginning until every `wanted` value is seen, or 30 s pass. */
async function consume(topic: string, wanted: string[]): Promise<Set<string>> {
  const consumer = client().consumer({ groupId: `test-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set<string>();
  const complete = new Promise<void>((done) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(String(message.value));
        if (wanted.every((value) => seen.has(value))) done();
      },
    });
  });
  await Promise.race([complete, sleep(30_000)]);
  await consumer.disconnect();
  return seen;
}

describe('startKafkaBroker', () => {
  it('takes acks=-1 records and hands them back', async () => {
    const topic = `roundtrip-${randomUUID()}`;
    await createTopic(topic);
    const producer = client().producer();
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `record-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    await producer.disconnect();

    expect([...(await consume(topic, values))].sort()).toEqual([...values].sort());
  });

  it('keeps every acknowledged record through a SIGKILL and a restart on the same data', async () => {
    const topic = `crash-${randomUUID()}`;
    await createTopic(topic);
    // No retries (of sends or of connections): a send the dying broker never acknowledged must
    // fail at once, not wait and land after the restart.
    const producer = client({ retries: 0 }).producer();
    await producer.connect();

    const acknowledged: string[] = [];
    let killed: Promise<void> | undefined;
    for (let i = 0; ; i++) {
      if (acknowledged.length === 100) killed = broker.kill();
      try {
        await producer.send({ topic, acks: -1, messages: [{ value: `record-${i}` }] });
      } catch {
        break;
      }
      acknowledged.push(`record-${i}`);
    }
    await killed;
    await producer.disconnect().catch(() => undefined);
    expect(killed).toBeDefined();

    await broker.restart();
    const seen = await consume(topic, acknowledged);
    expect(acknowledged.filter((value) => !seen.has(value))).toEqual([]);
  }, 120_000);
});

describe('kafkaBrokers', () => {
  it("names the run's shared broker, which answers", async () => {
    const { hostname, port } = new URL(`kafka://${kafkaBrokers()[0]}`);
    expect(await kafkaAnswers(hostname, Number(port))).toBe(true);
  });
});
