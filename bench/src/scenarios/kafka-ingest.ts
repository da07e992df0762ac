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
import { requestIdOf } from '@periscope/contract';
import { createKafka, ensureTopic } from '@periscope/spool/kafka';
import { rssBytes } from '../proc.ts';
import { countRows, createKey, readCounters, readMetrics, startIngest, startProxyRole } from '../systems/periscope.ts';
import type { Environment } from '../systems/system.ts';
import { attack } from '../vegeta.ts';
import { streams } from './streams.ts';

/** The goal of issue 15 for one consumer on this machine. */
export const INGEST_GOAL_EVENTS_PER_S = 50_000;
/** As the proxy's shipper sends (proxy/src/kafka/shipper-process.ts); change both together. */
const PROXY_COMPRESSION = CompressionTypes.GZIP;
const PARTITIONS = 6;
const SEND_BATCH = 500;

export interface IngestScenarioResult {
  /**
   * The consumer committed every offset. When false it stored every row but its offsets lagged a
   * minute later (e.g. a batch outlived its group session, so it re-read the backlog): the rate
   * is then taken from the store's count.
   */
  committedAll: boolean;
  /** Offsets committed by the ingest's group when the scenario ended. */
  committed: number;
  /** The ingest's /metrics counters at the end (consumed, inserted, deduplicated, …). */
  counters: Record<string, number>;
  events: number;
  /** Distinct events recorded from the proxy, copied round-robin. */
  recorded: number;
  recordedStreamed: number;
  eventBytes: { mean: number; min: number; max: number };
  partitions: number;
  produceEventsPerSec: number;
  /** `periscope ingest` from spawn until it answered /healthz. */
  startS: number;
  /**
   * From the ingest answering /healthz until all N were committed (offsets follow the store's
   * acknowledgement); until the store's count reached N when they were not. Its consumer starts
   * just before its HTTP server, so the clock may miss a few hundred ms of its work.
   */
  drainS: number;
  /** N over drainS. */
  eventsPerSec: number;
  /** From the ingest answering /healthz until its first batch was committed (the first fetch, check and insert). */
  firstCommitS: number;
  /** ClickHouse inserts the consumer made (`periscope_ingest_insert_seconds_count`). */
  inserts: number;
  /** N over spawn → all stored (start-up included). */
  wallEventsPerSec: number;
  stored: number;
  ingestPeakRssBytes: number;
  /** /healthz answers during the drain, one probe a second: status (or "no answer") → count. */
  healthzWhileDraining: Record<string, number>;
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
  let latest = 0;
  const finished = (async () => {
    await admin.connect();
    try {
      let first: { at: number; count: number } | undefined;
      for (;;) {
        if (stopped) return undefined;
        latest = await committed().catch(() => latest);
        const at = performance.now();
        if (!first && latest > 0) first = { at, count: latest };
        if (first && latest >= n) return { first, done: at };
        await sleep(100);
      }
    } finally {
      await admin.disconnect();
    }
  })();
  return { finished, latest: () => latest, stop: () => (stopped = true) };
}

/** The store's own count, polled every 2 s (the SQL API's pace): when rows first appeared and when all `n` were there. */
function watchStored(origin: string, n: number) {
  let stopped = false;
  const seen: { first?: { at: number; count: number }; all?: number } = {};
  void (async () => {
    while (!stopped && seen.all === undefined) {
      const count = await countRows(origin).catch(() => 0);
      const at = performance.now();
      if (!seen.first && count > 0) seen.first = { at, count };
      if (count >= n) seen.all = at;
      await sleep(2000);
    }
  })();
  return { seen, stop: () => (stopped = true) };
}

/** How long the offsets may lag once every row is stored before the scenario calls it a stall. */
export const COMMIT_GRACE_MS = 60_000;
const INGEST_TIMEOUT_MS = 15 * 60_000;

export async function kafkaIngest(env: Environment, n: number): Promise<IngestScenarioResult> {
  const brokers = await env.kafkaBrokers();
  // The bench's own reads and writes retry longer than the product's clients (two retries, so a
  // send spools in seconds): a broker at idle priority after a loaded run answered "not the
  // leader" past them once (2026-12-06 02:56), and the scenario was lost.
  const kafka = createKafka(brokers.split(','), 'periscope-bench', silent, { retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 } });
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
    ingest = await startIngest(env, topic, { anyCore: true, backlog: true });
  } catch (err) {
    progress.stop();
    throw err;
  }
  progress.finished.catch(() => {});
  const ready = performance.now();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(ingest.process.pid))), 200);
  // What /healthz says while the backlog drains, once a second (a busy consumer may look unhealthy).
  const healthz: Record<string, number> = {};
  const probe = async () => {
    let status = 'no answer';
    try {
      const res = await fetch(`${ingest.origin}/healthz`, { signal: AbortSignal.timeout(900) });
      await res.arrayBuffer();
      status = String(res.status);
    } catch {
      // counted as no answer
    }
    healthz[status] = (healthz[status] ?? 0) + 1;
  };
  const prober = setInterval(() => void probe(), 1000);
  let rows: ReturnType<typeof watchStored> | undefined;
  try {
    // The API counts rows of the projects it knows, and this store has no key yet: one for the recorded project.
    await createKey(ingest.origin);
    rows = watchStored(ingest.origin, n);
    // Done when every offset is committed; a stall when the rows are all there and the offsets are not.
    let outcome: { first: { at: number; count: number }; done: number } | undefined;
    const deadline = performance.now() + INGEST_TIMEOUT_MS;
    const committedAll = await Promise.race([
      progress.finished.then((o) => (outcome = o) !== undefined),
      (async () => {
        for (;;) {
          await sleep(1000);
          if (outcome) return true;
          const all = rows?.seen.all;
          if (all !== undefined && performance.now() - all > COMMIT_GRACE_MS) return false;
          if (performance.now() > deadline) throw new Error(`only ${progress.latest()} of ${n} events committed after ${INGEST_TIMEOUT_MS / 60_000} minutes`);
        }
      })(),
    ]);
    const stored = await countRows(ingest.origin);
    const counters = await readCounters(`${ingest.origin}/metrics`).catch(() => ({}));
    // Offsets when they all got committed; otherwise the store's count (2 s resolution).
    const first = committedAll ? outcome!.first : rows.seen.first ?? { at: ready, count: 0 };
    const done = committedAll ? outcome!.done : rows.seen.all ?? performance.now();
    // From the ingest being up, not from its first commit: with big batches that commit comes
    // late and already counts a large share of N (an earlier version of this scenario measured
    // from it, and overstated the rate that way).
    const drainS = Math.max(0.001, (done - ready) / 1000);
    const inserts = await readMetrics(`${ingest.origin}/metrics`, ['periscope_ingest_insert_seconds_count']).catch(() => ({} as Record<string, number>));
    return {
      committedAll,
      committed: progress.latest(),
      counters,
      events: n, recorded: recorded.length, recordedStreamed: recorded.filter((r) => r.streamed).length,
      eventBytes: { mean: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length), min: Math.min(...sizes), max: Math.max(...sizes) },
      partitions: PARTITIONS,
      produceEventsPerSec: n / produceS,
      startS: (ready - spawned) / 1000,
      drainS,
      eventsPerSec: n / drainS,
      firstCommitS: Math.max(0, (first.at - ready) / 1000),
      inserts: inserts.periscope_ingest_insert_seconds_count ?? NaN,
      wallEventsPerSec: n / ((done - spawned) / 1000),
      stored,
      ingestPeakRssBytes: peakRss,
      healthzWhileDraining: healthz,
      cores: env.pinning.enabled ? 'every core (taskset), beside the broker' : 'unpinned',
    };
  } finally {
    rows?.stop();
    progress.stop();
    clearInterval(sampler);
    clearInterval(prober);
    await ingest.process.stop();
  }
}
