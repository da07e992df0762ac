import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import { StoreError, validateRequestEvent, type RequestEvent, type Store } from '@periscope/clickhouse';
import type { FastifyBaseLogger } from 'fastify';
import { createIngestMetrics, type IngestMetrics } from '../ingest-metrics.ts';
import { createKafka, ensureTopic, type KafkaConfig } from '@periscope/proxy';

export interface EventConsumerOptions {
  kafka: Kafka;
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  sessionTimeoutMs?: number;
  store: Store;
  registry: Registry;
  metrics: IngestMetrics;
  log: FastifyBaseLogger;
}

interface Poison {
  message: KafkaMessage;
  reason: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Crash points for the pipeline's own tests (PERISCOPE_FAULT_INJECT=kill-before-insert or
 * kill-after-insert): the process SIGKILLs itself there, which is how the tests prove that a
 * crash at either point loses and duplicates nothing. Unset in any real deployment.
 */
function crashPoint(name: 'kill-before-insert' | 'kill-after-insert'): void {
  if (process.env.PERISCOPE_FAULT_INJECT === name) process.kill(process.pid, 'SIGKILL');
}

function decode(message: KafkaMessage): { event: RequestEvent } | { reason: string } {
  if (!message.value) return { reason: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch {
    return { reason: 'not JSON' };
  }
  const checked = validateRequestEvent(json);
  return checked.ok ? { event: checked.event } : { reason: checked.reason };
}

/**
 * Kafka → ClickHouse, losing nothing: one insert per batch with a deduplication token made
 * of topic/partition/offset range (a batch redelivered after a crash between insert and
 * commit is a no-op), offsets committed only after the insert succeeded, and rows idempotent
 * by request_id for redeliveries with other boundaries. Messages that fail the contract go to
 * the dead-letter topic with the reason, and are committed only once that produce succeeded.
 * While ClickHouse is down the batch is retried with backoff, heartbeating, so the consumer
 * holds its partitions, lag grows, nothing is dead-lettered, and it resumes by itself.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly dlq: Producer;
  private readonly o: EventConsumerOptions;
  /**
   * Per partition, the offset after the last batch this member committed since it joined the
   * group. A batch starting exactly there continues our own work and cannot be a redelivery;
   * any other batch (first after a start or a rebalance) is checked for rows already stored.
   */
  private readonly continuesFrom = new Map<string, string>();

  constructor(o: EventConsumerOptions) {
    this.o = o;
    // Big fetches make big batches: one ClickHouse insert per batch is the cost that matters.
    this.consumer = o.kafka.consumer({
      groupId: o.groupId, sessionTimeout: o.sessionTimeoutMs ?? 30_000, heartbeatInterval: 3000,
      maxBytesPerPartition: 16 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, minBytes: 256 * 1024, maxWaitTimeInMs: 250,
    });
    this.dlq = o.kafka.producer({ allowAutoTopicCreation: true });
    const admin = o.kafka.admin();
    let adminConnected = false;
    new Gauge({
      name: 'periscope_ingest_consumer_lag',
      help: 'Messages in the events topic not yet committed by the ingest group.',
      registers: [o.registry],
      async collect() {
        try {
          if (!adminConnected) {
            await admin.connect();
            adminConnected = true;
          }
          const [ends, committed] = await Promise.all([
            admin.fetchTopicOffsets(o.topic),
            admin.fetchOffsets({ groupId: o.groupId, topics: [o.topic] }),
          ]);
          const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
          this.set(ends.reduce((sum, p) => sum + Math.max(0, Number(p.high) - Math.max(0, done.get(p.partition) ?? 0)), 0));
        } catch {
          // Broker unreachable: leave the last value rather than fail the whole scrape.
        }
      },
    });
    this.closeAdmin = async () => {
      if (adminConnected) await admin.disconnect();
    };
  }

  private readonly closeAdmin: () => Promise<void>;

  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.continuesFrom.clear());
    await this.dlq.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      // Partitions' batches are inserted concurrently (chDB and the server both take parallel inserts).
      partitionsConsumedConcurrently: 4,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private async onBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const events: RequestEvent[] = [];
    const poison: Poison[] = [];
    for (const message of batch.messages) {
      const decoded = decode(message);
      if ('event' in decoded) events.push(decoded.event);
      else poison.push({ message, reason: decoded.reason });
    }
    this.o.metrics.consumed.inc(batch.messages.length);
    const keepGoing = () => isRunning() && !isStale();
    const source = `${batch.topic}/${batch.partition}`;

    if (events.length > 0) {
      const dedupToken = `${source}/${batch.firstOffset()}-${batch.lastOffset()}`;
      const ok = await this.retrying('insert', keepGoing, heartbeat, async () => {
        const end = this.o.metrics.insertLatency.startTimer();
        crashPoint('kill-before-insert');
        try {
          const continuing = this.continuesFrom.get(source) === batch.firstOffset();
          const already = continuing ? 0 : await this.o.store.countStored(events);
          await this.o.store.insertRequests(events, { dedupToken });
          this.o.metrics.deduplicated.inc(already);
        } catch (err) {
          // The contract check passed above, so a refusal here is the store's own validation:
          // dead-letter the batch rather than stall the partition on it forever.
          if (err instanceof StoreError && err.status === 400) {
            const undecodable = new Set(poison.map((p) => p.message));
            const refused = batch.messages.filter((message) => !undecodable.has(message));
            poison.push(...refused.map((message) => ({ message, reason: `rejected by the store: ${err.message}` })));
            return;
          }
          throw err;
        }
        end();
        this.o.metrics.inserted.inc(events.length);
        crashPoint('kill-after-insert');
      });
      if (!ok) return; // rebalanced or stopping: leave the batch uncommitted for redelivery
    }
    if (poison.length > 0) {
      const ok = await this.retrying('dead-letter', keepGoing, heartbeat, () => this.deadLetter(source, poison));
      if (!ok) return;
    }
    resolveOffset(batch.lastOffset());
    // Explicit: with auto-commit off, the argument-less form never commits.
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
    this.continuesFrom.set(source, next);
  }

  private async deadLetter(source: string, poison: Poison[]): Promise<void> {
    await this.dlq.send({
      topic: this.o.deadLetterTopic,
      acks: -1,
      messages: poison.map(({ message, reason }) => ({
        key: message.key,
        value: message.value,
        headers: { 'periscope-dlq-reason': reason, 'periscope-dlq-source': `${source}/${message.offset}` },
      })),
    });
    for (const { reason } of poison) this.o.metrics.deadLettered.inc({ reason: reason.split(':', 1)[0]!.slice(0, 60) });
    this.o.log.warn({ count: poison.length, source }, 'sent messages that fail the event contract to the dead-letter topic');
  }

  /** Retries `work` with backoff until it succeeds; false when the batch was given up (rebalance, stop). */
  private async retrying(what: string, keepGoing: () => boolean, heartbeat: () => Promise<void>, work: () => Promise<void>): Promise<boolean> {
    let delay = 100;
    for (;;) {
      try {
        await work();
        return true;
      } catch (err) {
        if (what === 'insert') this.o.metrics.insertFailures.inc();
        this.o.log.error({ err }, `${what} failed; retrying (the partition waits, nothing is skipped)`);
      }
      if (!keepGoing()) return false;
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
      try {
        await heartbeat();
      } catch {
        return false; // the group moved on: another member will get this batch
      }
    }
  }

  /** Finishes the batch in hand, commits, and leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.dlq.disconnect();
    await this.closeAdmin();
  }
}

/**
 * The ingest's consumer as every host runs it (`periscope ingest`, and `start --kafka`): group
 * `periscope-ingest` on the configured topic, created first if absent.
 */
export async function startEventConsumer(config: KafkaConfig, store: Store, registry: Registry, log: FastifyBaseLogger): Promise<EventConsumer> {
  const kafka = createKafka(config.brokers, 'periscope-ingest', log);
  await ensureTopic(kafka, config.topic, config.partitions);
  const consumer = new EventConsumer({
    kafka, topic: config.topic, deadLetterTopic: config.dead_letter_topic, groupId: 'periscope-ingest',
    sessionTimeoutMs: config.session_timeout_ms, store, registry, metrics: createIngestMetrics(registry), log,
  });
  await consumer.start();
  return consumer;
}
