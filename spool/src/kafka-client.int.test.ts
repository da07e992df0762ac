import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Consumer, Producer } from 'kafkajs';
import { kafkaBrokers } from '@periscope/testkit';
import { createKafka, ensureTopic } from './kafka-client.ts';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const kafka = () => createKafka(kafkaBrokers(), `kafka-client-test-${randomUUID()}`, silent);
const open: Array<Producer | Consumer> = [];

afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => undefined)));
});

/** Timers created in this process during `ms`, by the first kafkajs frame that created them. */
async function timersDuring(ms: number): Promise<Map<string, number>> {
  const byOrigin = new Map<string, number>();
  const hook = createHook({
    init(_id, type) {
      if (type !== 'Timeout') return;
      const frame = new Error().stack!.split('\n').find((line) => line.includes('kafkajs')) ?? 'not kafkajs';
      const origin = frame.trim().replace(/\(.*kafkajs[^/]*\/node_modules\/kafkajs\//, '(kafkajs/');
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + 1);
    },
  });
  hook.enable();
  await sleep(ms);
  hook.disable();
  return byOrigin;
}

describe('kafkajs as Periscope runs it (patches/kafkajs@2.2.4.patch)', () => {
  it('an idle producer and consumer do not spin a timer per connection', async () => {
    const topic = `kafka-client-idle-${randomUUID()}`;
    const client = kafka();
    await ensureTopic(client, topic, 2);
    const producer = client.producer({ allowAutoTopicCreation: false });
    const consumer = client.consumer({ groupId: `idle-${randomUUID()}`, heartbeatInterval: 1000, maxWaitTimeInMs: 1000 });
    open.push(producer, consumer);
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void got.push(String(message.value)) });
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'before' }] });
    await expect.poll(() => got, { timeout: 30_000 }).toContain('before');

    // Unpatched, every broker connection that has answered a request re-arms a 1 ms timer for
    // as long as it stays open: about 700 timers a second each, seen as an idle shipper or
    // ingest burning 25 ms of CPU a second. Patched, what is left is the consumer's own
    // cadence (fetch waits, heartbeats): a few dozen at most.
    const timers = await timersDuring(2000);
    const total = [...timers.values()].reduce((a, b) => a + b, 0);
    expect(total, JSON.stringify([...timers])).toBeLessThan(100);

    // Requests made after the idle stretch still go out and complete.
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'after' }] });
    await expect.poll(() => got, { timeout: 30_000 }).toContain('after');
  }, 90_000);

  it('requests queued behind the in-flight limit are still sent', async () => {
    const topic = `kafka-client-queued-${randomUUID()}`;
    const client = kafka();
    await ensureTopic(client, topic, 1);
    // One request in flight per connection: the other sends wait in the queue the patch changed.
    const producer = client.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    open.push(producer);
    await producer.connect();
    const sends = Array.from({ length: 20 }, (_, i) => producer.send({ topic, acks: -1, messages: [{ key: String(i), value: `m${i}` }] }));
    const results = await Promise.all(sends);
    expect(results.flat().every((r) => r.errorCode === 0)).toBe(true);
    const admin = client.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(20);
  }, 90_000);
});
