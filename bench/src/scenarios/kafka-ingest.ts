/**
 * Kafka → one `periscope ingest` → chDB, with the bytes a proxy really produces: a
 * `periscope proxy` first answers a few thousand calls (plain and streamed) and its events are
 * read back from its topic; those records are then copied N times into a fresh topic, each copy
 * with a request_id of its own written over the original (same length, so the bytes stay as the
 * proxy made them). A fresh `periscope ingest` then drains the topic; the clock runs from its
 * first committed batch until it has committed all N (it commits after the store acknowledged),
 * and the store's own count is checked at the end.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { requestIdOf } from '@periscope/clickhouse';
import { createKafka, ensureTopic } from '@periscope/proxy';
import { rssBytes } from '../proc.ts';
import { countRows, createKey, startIngest, startProxyRole } from '../systems/periscope.ts';
import type { Environment } from '../systems/system.ts';
import { attack } from '../vegeta.ts';
import { streams } from './streams.ts';

/** The goal of issue 15 for one consumer on this machine. */
export const INGEST_GOAL_EVENTS_PER_S = 50_000;
/** As the proxy's shipper sends (proxy/src/kafka/shipper-thread.ts); change both together. */
const PROXY_COMPRESSION = CompressionTypes.GZIP;
const PARTITIONS = 6;
const SEND_BATCH = 500;

export interface IngestScenarioResult {
  events: number;
  /** Distinct events recorded from the proxy, copied round-robin. */
  recorded: number;
  recordedStreamed: number;
  eventBytes: { mean: number; min: number; max: number };
  partitions: number;
  produceEventsPerSec: number;
  /** `periscope ingest` from spawn until it answered /healthz. */
  startS: number;
  /** From the first committed batch until all N were committed (offsets follow the store's acknowledgement). */
  drainS: number;
  eventsPerSec: number;
  /** N over spawn → all stored (start-up included). */
  wallEventsPerSec: number;
  stored: number;
  ingestPeakRssBytes: number;
  cores: string;
}

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

interface Recorded {
  key: Buffer | null;
  value: Buffer;
  id: string;
  streamed: boolean;
}

/** Every record of `topic`, read from the beginning until the high watermarks. */
async function readTopic(kafka: Kafka, topic: string): Promise<Recorded[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const out: Recorded[] = [];
  let unreadable = 0;
  const consumer = kafka.consumer({ groupId: `periscope-bench-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        // The event contract's own reader: the id sits at the start of the bytes.
        const id = requestIdOf(message.value);
        if (id && /^[0-9a-f-]{36}$/.test(id)) out.push({ key: message.key, value: message.value, id, streamed: message.value.includes('"streamed":true') });
        else unreadable += 1;
        if (out.length + unreadable >= total) resolve();
      },
    });
  });
  const deadline = sleep(60_000).then(() => {
    throw new Error(`read ${out.length + unreadable} of ${total} recorded events in 60 s`);
  });
  try {
    await Promise.race([done, deadline]);
  } finally {
    await consumer.disconnect();
  }
  if (unreadable > 0) throw new Error(`${unreadable} recorded events carry no UUID request_id that requestIdOf reads; kafka-ingest.ts must learn their format`);
  return out;
}

/** `value` with every occurrence of `from` replaced by `to` (same length). */
function replaceBytes(value: Buffer, from: Buffer, to: Buffer): Buffer {
  const out = Buffer.from(value);
  for (let at = out.indexOf(from); at >= 0; at = out.indexOf(from, at + from.length)) to.copy(out, at);
  return out;
}

/** A UUID whose last 12 hex digits are `n`: unique per copy, still a valid UUID for the column. */
const copyId = (id: string, n: number) => `${id.slice(0, 24)}${n.toString(16).padStart(12, '0')}`;

/** Records real events: plain calls (closed loop) and streams through a `periscope proxy`. */
async function recordEvents(env: Environment, kafka: Kafka): Promise<Recorded[]> {
  const proxy = await startProxyRole(env);
  try {
    await attack(proxy.target, { rate: 0, workers: 8, durationS: 3 });
    await streams(proxy.target, 200);
  } finally {
    await proxy.stop();
  }
  return readTopic(kafka, proxy.kafkaTopic!);
}

/**
 * Offsets the ingest's consumer group committed on `topic`, summed: the consumer commits only
 * after ClickHouse acknowledged a batch, so this counts stored events without asking the
 * ingest (whose HTTP server starts after its consumer). Polled every 100 ms until `n`.
 */
function watchCommitted(kafka: Kafka, topic: string, n: number) {
  const admin = kafka.admin();
  let stopped = false;
  const committed = async (): Promise<number> => {
    const { groups } = await admin.listGroups();
    let best = 0;
    for (const g of groups.filter((x) => !x.groupId.startsWith('periscope-bench'))) {
      const [offsets] = await admin.fetchOffsets({ groupId: g.groupId, topics: [topic] });
      best = Math.max(best, (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0));
    }
    return best;
  };
  const finished = (async () => {
    await admin.connect();
    try {
      let first: { at: number; count: number } | undefined;
      const deadline = performance.now() + 15 * 60_000;
      for (;;) {
        if (stopped) throw new Error('stopped');
        const count = await committed().catch(() => 0);
        const at = performance.now();
        if (!first && count > 0) first = { at, count };
        if (first && count >= n) return { first, done: at };
        if (at > deadline) throw new Error(`only ${count} of ${n} events committed after 15 minutes`);
        await sleep(100);
      }
    } finally {
      await admin.disconnect();
    }
  })();
  finished.catch(() => {});
  return { finished, stop: () => (stopped = true) };
}

export async function kafkaIngest(env: Environment, n: number): Promise<IngestScenarioResult> {
  const brokers = await env.kafkaBrokers();
  const kafka = createKafka(brokers.split(','), 'periscope-bench', silent);
  env.log('    recording events from a periscope proxy');
  const recorded = await recordEvents(env, kafka);
  if (recorded.length === 0) throw new Error('the proxy produced no events');
  const sizes = recorded.map((r) => r.value.length);
  env.log(`    ${recorded.length} events recorded (${Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length)} B mean); producing ${n} copies`);

  const topic = `periscope.bench.ingest.${Date.now()}`;
  await ensureTopic(kafka, topic, PARTITIONS);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const produceStart = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i += SEND_BATCH) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + SEND_BATCH); j++) {
      const r = recorded[j % recorded.length]!;
      const id = copyId(r.id, j);
      const value = replaceBytes(r.value, Buffer.from(r.id), Buffer.from(id));
      messages.push({ key: r.key?.toString() === r.id ? id : r.key, value });
    }
    const send = producer.send({ topic, acks: -1, compression: PROXY_COMPRESSION, messages }).finally(() => inFlight.delete(send));
    inFlight.add(send);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const produceS = (performance.now() - produceStart) / 1000;
  await producer.disconnect();

  env.log(`    ${n} events in ${topic}; starting periscope ingest (every core)`);
  const spawned = performance.now();
  // Watched from before the spawn: the consumer starts before the HTTP server answers.
  const progress = watchCommitted(kafka, topic, n);
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  try {
    ingest = await startIngest(env, topic, { anyCore: true });
  } catch (err) {
    progress.stop();
    throw err;
  }
  const ready = performance.now();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(ingest.process.pid))), 200);
  try {
    // The API counts rows of the projects it knows, and this store has no key yet: one for the recorded project.
    await createKey(ingest.origin);
    const { first, done } = await progress.finished;
    const stored = await countRows(ingest.origin);
    const drainS = Math.max(0.001, (done - first.at) / 1000);
    return {
      events: n, recorded: recorded.length, recordedStreamed: recorded.filter((r) => r.streamed).length,
      eventBytes: { mean: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length), min: Math.min(...sizes), max: Math.max(...sizes) },
      partitions: PARTITIONS,
      produceEventsPerSec: n / produceS,
      startS: (ready - spawned) / 1000,
      drainS,
      eventsPerSec: (n - first.count) / drainS,
      wallEventsPerSec: n / ((done - spawned) / 1000),
      stored,
      ingestPeakRssBytes: peakRss,
      cores: env.pinning.enabled ? 'every core (taskset), beside the broker' : 'unpinned',
    };
  } finally {
    clearInterval(sampler);
    progress.stop();
    await ingest.process.stop();
  }
}
