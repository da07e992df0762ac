import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import { decodeEventRow, RESENT_HEADER, type KafkaConfig } from '@periscope/contract';
import { eventKey, type EventIdentity, type Store } from '@periscope/clickhouse';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestMetrics } from '../ingest-metrics.ts';
import { GroupedInserts, PartAbandoned } from './grouped-inserts.ts';
import { insertIsolatingRefused, isRefusal, type RefusedRow } from '../refused-rows.ts';
import { createKafka, ensureTopic } from '@periscope/spool/kafka';
import { InflightJournal } from './inflight-journal.ts';
import { byMonth } from '../months.ts';
import { RecentKeys } from './recent-keys.ts';

export interface EventConsumerOptions {
  kafka: Kafka;
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  /** Used when the consumer creates the topic. */
  partitions?: number;
  sessionTimeoutMs?: number;
  store: Store;
  registry: Registry;
  metrics: IngestMetrics;
  log: FastifyBaseLogger;
  /** First pause before connecting again after the broker was unreachable (doubles up to 10 s). */
  reconnectMs?: number;
  /**
   * Where the rows of inserts in flight are kept (InflightJournal), when the store's engine runs
   * in this process and dies with it. Not for a ClickHouse server, which finishes an insert whose
   * client is gone.
   */
  inflightDir?: string;
  /** How long ids of resent events are remembered between loads from the store (default 10 minutes; tests shorten it). */
  resentMemoryMs?: number;
}

interface Poison {
  message: KafkaMessage;
  reason: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A member that fetched nothing for this long (the broker answers an idle fetch every 250 ms) is not consuming. */
const FETCH_SILENCE_MS = 10_000;
/**
 * How long (at least) and how many ids of events marked as resent are remembered. A stalled send arrives
 * within the producer's request timeout (10 s, kafka-client.ts) and a few reconnects; a restarted
 * shipper marks one batch (500 events), a failed send one more each. A member that joins the group
 * starts from the ids the store recorded in the last day, at most half of `ids` (one generation).
 */
const RESENT_MEMORY = { ms: 10 * 60_000, ids: 100_000 };

/**
 * Crash points for the pipeline's own tests (PERISCOPE_FAULT_INJECT=kill-before-insert,
 * kill-after-insert or kill-inside-insert): the process SIGKILLs itself there, which is how the
 * tests prove that a crash at any of them loses and duplicates nothing. Unset in any real deployment.
 */
function crashPoint(name: 'kill-before-insert' | 'kill-after-insert'): void {
  if (process.env.PERISCOPE_FAULT_INJECT === name) process.kill(process.pid, 'SIGKILL');
}

/**
 * `kill-inside-insert` (with an engine in this process): SIGKILL as soon as the first insert's
 * part of `requests` is in place, before the engine's rollups get theirs. Polls the table's
 * directory, so it comes within a turn of the event loop of the part's rename.
 */
function crashInsideInsert(dataDir: string | undefined): void {
  if (process.env.PERISCOPE_FAULT_INJECT !== 'kill-inside-insert' || dataDir === undefined) return;
  const table = join(dataDir, 'data', 'default', 'requests');
  const parts = () => readdirSync(table).filter((name) => /^\d+_\d+_\d+_\d+$/.test(name));
  const before = new Set(parts());
  const poll = () => (parts().some((name) => !before.has(name)) ? process.kill(process.pid, 'SIGKILL') : setImmediate(poll));
  poll();
}

/**
 * Kafka → ClickHouse, losing nothing: the message values are event bytes, checked against the
 * contract and inserted as they are (JSONEachRow, no re-encoding). The partitions' batches of a
 * fetch share inserts (GroupedInserts), which try a failed insert again as it was, under the
 * same deduplication token, so one the engine had in fact completed is stored once. Offsets are
 * committed only after the insert succeeded, and a batch that may be a redelivery (the first
 * after a start or a rebalance) leaves out the request ids stored already: a crash between
 * insert and commit stores nothing twice, in the rows or in the rollups the inserts feed. A
 * crash inside an insert, after the engine committed the table's part and before a rollup's,
 * would leave those rows out of that rollup, since the redelivered batch cannot carry the first
 * insert's token: with `inflightDir` (an engine in this process) the next start finishes that
 * insert under its token before consuming (InflightJournal).
 * Messages that fail the contract, and rows the engine itself refuses for their content (the
 * rest of their batch is stored; refused-rows.ts), go to the dead-letter topic with the reason,
 * and are committed only once that produce succeeded. While ClickHouse is down the insert is retried
 * with backoff, heartbeating, so the consumer holds its partitions and resumes by itself.
 *
 * A broker outage, at start or during a run, never ends the process: the consumer reconnects
 * with backoff for as long as it takes, and healthy() is false while it cannot consume.
 */
export class EventConsumer {
  private consumer: Consumer | undefined;
  private dlq: Producer | undefined;
  private running = true;
  private supervisor: Promise<void> | undefined;
  private crashed: (() => void) | undefined;
  private lastFetch = 0;
  private lastError = 'not connected yet';
  private readonly o: EventConsumerOptions;
  private readonly admin: Admin;
  private adminConnected = false;
  /**
   * Per partition, the offset after the last batch this member committed since it joined the
   * group. A batch starting exactly there continues our own work and cannot be a redelivery;
   * any other batch (first after a start or a rebalance) is checked for rows already stored.
   */
  private readonly continuesFrom = new Map<string, string>();
  /**
   * Part of every deduplication token of this consumer. The engine records an insert's token
   * before it moves the part into place, so a crash between the two leaves the token without
   * the rows; the batch redelivered to the next consumer, with the same offsets and count, must
   * not come under that token again (it would be taken for a repeat and stored nowhere). Rows
   * the table lacks are in no rollup either (the table's part comes first), so new tokens count
   * nothing twice, unless the first insert is still running on a ClickHouse server (a gap of
   * several ingests, docs/deployment.md). Within one consumer a failed insert is still retried
   * under its own token.
   */
  private readonly generation = randomBytes(4).toString('hex');
  /**
   * Request ids of events that came marked as resent lately. A send that stalled (its acknowledgement lost, the
   * connection replaced) can still reach the broker after its marked copy, unmarked and later in
   * the partition: an unmarked event whose id is here is checked against the table as a marked
   * one is. A key's events share a partition, so the member that saw the copy sees the original,
   * unless a restart or a rebalance comes between: every member records the ids in the store
   * before it commits their batch, and loads the recent ones after it joins (knowResent).
   */
  private readonly recentlyResent: RecentKeys;
  private readonly resentMemoryMs: number;
  /** The last load of the store's recent resent ids (knowResent): since the last join, and at most resentMemoryMs old. */
  private resentLoad: { done: Promise<void>; at: number } | undefined;
  private readonly inserts: GroupedInserts;
  private readonly journal: InflightJournal | undefined;

  constructor(o: EventConsumerOptions) {
    this.o = o;
    this.resentMemoryMs = o.resentMemoryMs ?? RESENT_MEMORY.ms;
    this.recentlyResent = new RecentKeys(this.resentMemoryMs, RESENT_MEMORY.ids);
    this.journal = o.inflightDir === undefined ? undefined : new InflightJournal(o.inflightDir, this.generation);
    this.inserts = new GroupedInserts({
      insertRows: async (rows, dedupToken) => {
        const end = o.metrics.insertLatency.startTimer();
        await this.storeRows(rows, dedupToken);
        end();
      },
      onFailure: (err) => {
        o.metrics.insertFailures.inc();
        o.log.error({ err }, 'insert failed; retrying (the partitions wait, nothing is skipped)');
      },
    });
    this.admin = o.kafka.admin();
    const lag = () => this.lag();
    const consuming = () => this.healthy();
    new Gauge({
      name: 'periscope_ingest_consumer_lag',
      help: 'Messages in the events topic not yet committed by the ingest group.',
      registers: [o.registry],
      async collect() {
        const value = await lag();
        // Broker unreachable: leave the last value rather than fail the whole scrape.
        if (value !== undefined) this.set(value);
      },
    });
    new Gauge({ name: 'periscope_ingest_consuming', help: '1 while the consumer is connected and fetching.', registers: [o.registry], collect() { this.set(consuming() ? 1 : 0); } });
  }

  private async lag(): Promise<number | undefined> {
    try {
      if (!this.adminConnected) {
        await this.admin.connect();
        this.adminConnected = true;
      }
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(this.o.topic),
        this.admin.fetchOffsets({ groupId: this.o.groupId, topics: [this.o.topic] }),
      ]);
      const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
      return ends.reduce((sum, p) => sum + Math.max(0, Number(p.high) - Math.max(0, done.get(p.partition) ?? 0)), 0);
    } catch {
      return undefined;
    }
  }

  /** Starts consuming in the background; never throws for an unreachable broker. */
  start(): void {
    this.supervisor ??= this.supervise();
  }

  /** True while the consumer is in its group and fetching. */
  healthy(): boolean {
    return this.consumer !== undefined && Date.now() - this.lastFetch < FETCH_SILENCE_MS;
  }

  /** Why healthy() is false, for /healthz. */
  get problem(): string {
    return this.healthy() ? '' : `not consuming from Kafka: ${this.lastError}`;
  }

  /** Every insert of this consumer: its rows are in the journal (when kept) until it returns. */
  private async storeRows(rows: readonly Buffer[], dedupToken: string): Promise<void> {
    let entry: string | undefined;
    try {
      entry = this.journal?.begin(rows, dedupToken);
    } catch (err) {
      // A full disk must not stop the ingest: this insert goes in without its entry, and only a
      // kill inside it could then leave a rollup short.
      this.o.metrics.unfinishedInserts.inc({ outcome: 'not_kept' });
      this.o.log.error({ err }, 'ingest: cannot keep the rows of an insert in flight (the in-flight journal); inserting without them');
    }
    try {
      const inserted = this.o.store.insertRequestRows(rows, { dedupToken });
      crashInsideInsert(this.o.inflightDir && dirname(this.o.inflightDir));
      await inserted;
    } finally {
      if (entry) this.journal!.done(entry);
    }
  }

  /**
   * Before consuming: the inserts a killed predecessor left unfinished, each again whole under its
   * token when the table holds any of its rows, so that a rollup the kill left short is filled in
   * (the table and each rollup skip what they hold). The rows the table lacks are stored by the
   * redelivered batch, which leaves out what is stored.
   */
  private async finishUnfinishedInserts(): Promise<void> {
    try {
      await this.finishEach();
    } catch (err) {
      // Never a reason not to consume: the batches are redelivered; only rollups may stay short.
      this.o.log.error({ err }, 'ingest: cannot read the in-flight journal; consuming without finishing what a killed ingest left unfinished');
    }
  }

  private async finishEach(): Promise<void> {
    const { inserts, damaged } = this.journal!.unfinishedInserts();
    if (damaged.length > 0) {
      this.o.metrics.unfinishedInserts.inc({ outcome: 'damaged' }, damaged.length);
      this.o.log.warn({ files: damaged }, 'ingest: unreadable entries of the in-flight journal removed; their batches are read again from Kafka, but a rollup may miss some of their rows');
    }
    if (inserts.length > 0) this.lastError = 'finishing the inserts a killed ingest left unfinished';
    for (const insert of inserts) {
      const identities = insert.rows.map((row) => decodeEventRow(row));
      for (let delay = 100; this.running; delay = Math.min(delay * 2, 5000)) {
        try {
          // None of its rows stored: the engine may have recorded the token without the part,
          // and the same token would then feed the rollups rows the table skips, to be counted
          // again when the redelivered batch stores them. They cannot be in a rollup (the table's
          // part comes first): the redelivered batch stores them, under a token of this process.
          const events = identities.flatMap((d) => (d.ok ? [{ project_id: d.event.project_id, created_at: d.event.created_at, request_id: d.event.request_id }] : []));
          if ((await this.o.store.storedEvents(events)).size === 0) {
            this.o.metrics.unfinishedInserts.inc({ outcome: 'unstored' });
            break;
          }
          await this.o.store.insertRequestRows(insert.rows, { dedupToken: insert.token });
          this.o.metrics.unfinishedInserts.inc({ outcome: 'stored' });
          break;
        } catch (err) {
          // Refused rows: the redelivered batch isolates them (and dead-letters the bad ones).
          if (isRefusal(err)) {
            this.o.metrics.unfinishedInserts.inc({ outcome: 'refused' });
            break;
          }
          this.o.log.error({ err }, 'ingest: finishing an insert a killed ingest left unfinished failed; retrying before consuming');
          await sleep(delay);
        }
      }
      if (!this.running) return;
      this.journal!.done(insert.file);
    }
    if (inserts.length > 0) this.o.log.info({ inserts: inserts.length }, 'ingest: finished the inserts a killed ingest left unfinished');
  }

  /** Connects, runs, and after a failure connects again with backoff, until stop(). */
  private async supervise(): Promise<void> {
    if (this.journal) await this.finishUnfinishedInserts();
    let delay = this.o.reconnectMs ?? 500;
    let failures = 0;
    while (this.running) {
      try {
        await this.connectAndRun();
        failures = 0;
        delay = this.o.reconnectMs ?? 500;
        // Until kafkajs gives up on its own retries (CRASH without restart) or stop().
        await new Promise<void>((resolve) => {
          this.crashed = resolve;
          if (!this.running) resolve();
        });
      } catch (err) {
        this.lastError = (err as Error).message;
        // The first failure and then one in ten: an outage must be visible, not flood the log.
        if (failures++ % 10 === 0) this.o.log.error({ err: this.lastError, attempt: failures }, 'Kafka unreachable; the ingest keeps trying (GET /healthz answers 503 meanwhile)');
      }
      await this.disconnect();
      if (!this.running) return;
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }

  private async connectAndRun(): Promise<void> {
    await ensureTopic(this.o.kafka, this.o.topic, this.o.partitions ?? 6);
    // The broker holds a fetch until 1 MiB (compressed) or 1 s: at 500 calls/s a 250 ms / 256 KiB
    // fetch meant about 24 inserts a second over 6 partitions, and the ingest took 832 µs of CPU
    // per event. A fetch takes at most 1 MiB per partition and 8 MiB in all, compressed (the
    // proxy's gzip shrinks events 5 to 35 times): draining 300,000 events, 16 / 64 MiB fetches
    // ran at 7,600 events/s and 3.0 GB, these at 11,100 events/s and 2.0 GB (pnpm bench --only
    // ingest, one run each). A member hears of a rebalance at its next heartbeat and the group
    // waits for it, so heartbeats go every second, not every 3: with small fetches and 3 s, the
    // group that rebalances every 1.5 s in kafka-pipeline.int.test.ts took 12-95 s, with 1 s 11-12 s.
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId, sessionTimeout: this.o.sessionTimeoutMs ?? 30_000, heartbeatInterval: 1000,
      maxBytesPerPartition: 1024 * 1024, maxBytes: 8 * 1024 * 1024, minBytes: 1024 * 1024, maxWaitTimeInMs: 1000,
    });
    const dlq = this.o.kafka.producer({ allowAutoTopicCreation: true });
    this.consumer = consumer;
    this.dlq = dlq;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.continuesFrom.clear();
      this.resentLoad = undefined;
    });
    consumer.on(consumer.events.FETCH, () => (this.lastFetch = Date.now()));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.lastError = payload.error.message;
      this.lastFetch = 0;
      if (!payload.restart) this.crashed?.();
    });
    await dlq.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // Every partition's batch of a fetch at once, so that they can share inserts (GroupedInserts).
      partitionsConsumedConcurrently: 16,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.o.log.info({ topic: this.o.topic }, 'consuming events from Kafka');
  }

  private async disconnect(): Promise<void> {
    const { consumer, dlq } = this;
    this.consumer = undefined;
    this.dlq = undefined;
    this.crashed = undefined;
    await consumer?.disconnect().catch(() => undefined);
    await dlq?.disconnect().catch(() => undefined);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    // A large batch can take longer to store than the group's session: without heartbeats the
    // member is dropped mid-batch, never commits, and the group reads everything again.
    const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), 3000);
    try {
      // kafkajs hands every batch of a fetch over in the same tick, and checking one is
      // synchronous: without this turn all of them would be checked before the first insert
      // starts, instead of while it runs in the engine's threads.
      await new Promise((resolve) => setImmediate(resolve));
      await this.storeBatch(payload);
    } finally {
      clearInterval(beat);
    }
  }

  private async storeBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const rows: Buffer[] = [];
    /** The message of each row, for the dead-letter topic should the store refuse the row. */
    const rowMessages: KafkaMessage[] = [];
    /** Just what the stored-id check needs: holding the parsed events would keep their bodies alive for the whole batch. */
    const events: EventIdentity[] = [];
    /** Indexes into rows of messages a restarted shipper may have sent twice. */
    const resent: number[] = [];
    const poison: Poison[] = [];
    for (const message of batch.messages) {
      const decoded = message.value ? decodeEventRow(message.value) : { ok: false as const, reason: 'empty message' };
      if (decoded.ok) {
        if (message.headers?.[RESENT_HEADER] !== undefined) resent.push(rows.length);
        rows.push(decoded.row);
        rowMessages.push(message);
        const { project_id, created_at, request_id } = decoded.event;
        events.push({ project_id, created_at, request_id });
      } else poison.push({ message, reason: decoded.reason });
    }
    this.o.metrics.consumed.inc(batch.messages.length);
    const keepGoing = () => isRunning() && !isStale();
    const source = `${batch.topic}/${batch.partition}`;

    if (rows.length > 0) {
      // Our own next batch cannot be stored yet. Any other (the first after a start or a
      // rebalance) leaves out the rows stored already, so a redelivery counts once in the
      // rollups too.
      const checkStored = this.continuesFrom.get(source) !== batch.firstOffset();
      let fresh: number[] = [];
      let recorded = resent.length === 0;
      const known = await this.retrying('resent ids (periscope_private.resent_events)', keepGoing, heartbeat, async () => {
        await this.knowResent();
        // Before the commit: a member that reads the partition after us must know these ids.
        if (!recorded) await this.o.store.recordResent(resent.map((i) => events[i]!.request_id));
        recorded = true;
      });
      if (!known) return; // rebalanced or stopping: leave the batch uncommitted for redelivery
      const checked = await this.retrying('stored-id check', keepGoing, heartbeat, async () => {
        fresh = await this.freshRows(events, resent, checkStored);
      });
      if (!checked) return;
      crashPoint('kill-before-insert');
      const range = `${this.generation}/${source}/${batch.firstOffset()}-${batch.lastOffset()}`;
      const toInsert = fresh.map((i) => rows[i]!);
      let refusedCount = 0;
      try {
        // GroupedInserts tries a failed insert again for as long as the partition is ours.
        if (toInsert.length > 0) await this.inserts.insert({ rows: toInsert, createdAt: fresh.map((i) => events[i]!.created_at), range, live: keepGoing });
      } catch (err) {
        if (err instanceof PartAbandoned) return;
        if (!isRefusal(err)) throw err;
        // The contract check passed above, so this is the engine refusing a value: store the
        // batch's other rows, and dead-letter only the rows it refuses on their own. An insert
        // is not atomic across the engine's blocks, so rows a refused insert stored before the
        // bad one are left out first.
        /** By index into rows. */
        const refused: RefusedRow[] = [];
        let rest: number[] = [];
        const checked = await this.retrying('stored-id check', keepGoing, heartbeat, async () => {
          const unstored = new Set(await this.freshRows(events, resent, true));
          rest = fresh.filter((i) => unstored.has(i));
        });
        if (!checked) return;
        try {
          // One month at a time, as GroupedInserts does (months.ts).
          const months = byMonth(rest, (i) => events[i]!.created_at);
          for (const [month, group] of months) {
            const groupToken = `${range}:${rest.length}${months.size > 1 ? `@${month}` : ''}:isolated`;
            const refusedRows = await insertIsolatingRefused(group.map((i) => rows[i]!), groupToken, (slice, dedupToken) => this.storeRows(slice, dedupToken), {
              live: keepGoing,
              onFailure: (failure) => {
                this.o.metrics.insertFailures.inc();
                this.o.log.error({ err: failure }, 'insert failed; retrying (the partition waits, nothing is skipped)');
              },
            });
            refused.push(...refusedRows.map(({ index, reason }) => ({ index: group[index]!, reason })));
          }
        } catch (failure) {
          if (failure instanceof PartAbandoned) return; // the new owner of the partition reads the batch again
          throw failure;
        }
        refusedCount = refused.length;
        poison.push(...refused.map(({ index, reason }) => ({ message: rowMessages[index]!, reason: `rejected by the store: ${reason}` })));
      }
      this.o.metrics.inserted.inc(toInsert.length - refusedCount);
      this.o.metrics.deduplicated.inc(rows.length - toInsert.length);
      crashPoint('kill-after-insert');
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

  /**
   * The ids recorded as resent lately, by any member (this one before a restart too), added to
   * recentlyResent after each join, before its first batch is stored: a partition this member
   * just took over may still hold the stalled original of a copy another member stored. Loaded
   * again every resentMemoryMs, which is when recentlyResent may start to forget them: a batch
   * held back longer (ClickHouse down, the partition kept) still knows the ids of the one before.
   */
  private knowResent(): Promise<void> {
    const now = Date.now();
    if (this.resentLoad === undefined || now - this.resentLoad.at >= this.resentMemoryMs) {
      const load = {
        at: now,
        done: this.o.store.recentlyResent(RESENT_MEMORY.ids / 2).then((ids) => {
          for (const id of ids) this.recentlyResent.add(id);
        }, (err: unknown) => {
          // A load that failed is tried again by the next batch, unless a newer one replaced it.
          if (this.resentLoad === load) this.resentLoad = undefined;
          throw err;
        }),
      };
      this.resentLoad = load;
    }
    return this.resentLoad.done;
  }

  /**
   * The indexes of the rows to insert: without a second copy of an event sent marked as resent,
   * in this batch or lately (recentlyResent), whether the copy at hand is marked or not (stored
   * already, or earlier in this batch when marked in it), and, when `checkStored`, without any
   * row stored already.
   */
  private async freshRows(events: EventIdentity[], resent: number[], checkStored: boolean): Promise<number[]> {
    if (!checkStored && resent.length === 0 && this.recentlyResent.empty) return events.map((_, i) => i);
    const markedIds = new Set(resent.map((i) => events[i]!.request_id));
    for (const id of markedIds) this.recentlyResent.add(id);
    // An event with a marked copy, in this batch or lately: any copy of it may be a second one.
    const suspect = events.map((e) => markedIds.has(e.request_id) || this.recentlyResent.has(e.request_id));
    const toCheck = checkStored ? events : events.filter((_, i) => suspect[i]);
    const stored = toCheck.length > 0 ? await this.o.store.storedEvents(toCheck) : new Set<string>();
    // Two copies in one batch: only of an event marked in it. A copy marked earlier is stored by
    // now, so the table answers for it; two unmarked events of one identity are a client reusing
    // its request ids within a millisecond, and each is its own call.
    const seen = new Set<string>();
    const fresh: number[] = [];
    for (let i = 0; i < events.length; i++) {
      if (!checkStored && !suspect[i]) {
        fresh.push(i);
        continue;
      }
      const key = eventKey(events[i]!);
      const markedHere = markedIds.has(events[i]!.request_id);
      if (stored.has(key) || (markedHere && seen.has(key))) continue;
      if (markedHere) seen.add(key);
      fresh.push(i);
    }
    return fresh;
  }

  private async deadLetter(source: string, poison: Poison[]): Promise<void> {
    await this.dlq!.send({
      topic: this.o.deadLetterTopic,
      acks: -1,
      messages: poison.map(({ message, reason }) => ({
        key: message.key,
        value: message.value,
        headers: { 'periscope-dlq-reason': reason, 'periscope-dlq-source': `${source}/${message.offset}` },
      })),
    });
    for (const { reason } of poison) this.o.metrics.deadLettered.inc({ reason: reason.split(':', 1)[0]!.slice(0, 60) });
    this.o.log.warn({ count: poison.length, source }, 'sent messages that fail the event contract or that the store refused to the dead-letter topic');
  }

  /** Retries `work` with backoff until it succeeds; false when the batch was given up (rebalance, stop). */
  private async retrying(what: string, keepGoing: () => boolean, heartbeat: () => Promise<void>, work: () => Promise<void>): Promise<boolean> {
    let delay = 100;
    for (;;) {
      try {
        await work();
        return true;
      } catch (err) {
        if (err instanceof PartAbandoned) return false;
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
    this.running = false;
    this.crashed?.();
    await this.supervisor;
    await this.disconnect();
    if (this.adminConnected) await this.admin.disconnect().catch(() => undefined);
  }
}

/** Where an ingest on the embedded engine keeps the rows of its inserts in flight (InflightJournal). */
export function inflightDirOf(dataDir: string): string {
  return join(dataDir, 'ingest-inflight');
}

/**
 * The ingest's consumer as every host runs it (`periscope ingest`, and `start --kafka`): group
 * `kafka.group_id` (default `periscope-ingest`) on the configured topic, created when absent. Returns at once; the
 * consumer connects (and reconnects) in the background.
 */
export function startEventConsumer(config: KafkaConfig, store: Store, registry: Registry, metrics: IngestMetrics, log: FastifyBaseLogger, inflightDir?: string): EventConsumer {
  const kafka = createKafka(config.brokers, 'periscope-ingest', log);
  const consumer = new EventConsumer({
    kafka, topic: config.topic, deadLetterTopic: config.dead_letter_topic, groupId: config.group_id, partitions: config.partitions,
    sessionTimeoutMs: config.session_timeout_ms, store, registry, metrics, log, inflightDir,
  });
  consumer.start();
  return consumer;
}
