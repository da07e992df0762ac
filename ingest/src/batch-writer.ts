import { StoreError, type RequestEvent, type Store } from '@periscope/clickhouse';
import type { BoundedEventQueue } from '@periscope/proxy';
import { Gauge, type Registry } from 'prom-client';
import type { IngestMetrics } from './ingest-metrics.ts';
import type { FastifyBaseLogger } from 'fastify';

export interface BatchWriterOptions {
  queue: BoundedEventQueue;
  store: Store;
  registry: Registry;
  metrics: IngestMetrics;
  log: FastifyBaseLogger;
  maxBatch?: number;
  /**
   * How long a batch may wait to fill before it is written partly full. Every insert has a
   * fixed cost in ClickHouse (a new part, later merged), so a few large inserts cost far less
   * CPU than many small ones; rows still show up well within a second.
   */
  lingerMs?: number;
  /** Events that could not be written before shutdown; the host counts them as dropped. */
  onLost: (count: number) => void;
  /** Events the store refused as invalid; the host counts them as dropped. */
  onRejected: (count: number) => void;
}

/**
 * The embedded pipeline's writer: drains the in-process queue into ClickHouse in batches.
 * A failed insert puts the batch back at the head of the queue and retries with backoff,
 * so a store hiccup costs latency, not rows; only a full queue drops (counted by the queue).
 */
export class BatchWriter {
  private running = false;
  private writing = false;
  /** Set by drained(): write what is queued now instead of waiting for the batch to fill. */
  private urgent = false;
  private loop: Promise<void> | undefined;
  private readonly opts: Required<Omit<BatchWriterOptions, 'registry'>>;

  constructor(opts: BatchWriterOptions) {
    this.opts = { maxBatch: 5000, lingerMs: 500, ...opts };
    const registers = [opts.registry];
    const queue = opts.queue;
    new Gauge({ name: 'periscope_event_queue_depth', help: 'Events waiting in the in-process queue.', registers, collect() { this.set(queue.length); } });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { queue, maxBatch, lingerMs } = this.opts;
    let backoff = 100;
    let shutdownFailures = 0;
    while (this.running || queue.length > 0) {
      await queue.waitForEvents(lingerMs);
      const filling = Date.now();
      while (queue.length > 0 && queue.length < maxBatch && this.running && !this.urgent && Date.now() - filling < lingerMs) await sleep(10);
      const batch = queue.take(maxBatch);
      if (batch.length === 0) continue;
      const end = this.opts.metrics.insertLatency.startTimer();
      this.writing = true;
      try {
        await this.opts.store.insertRequests(batch);
        end();
        this.opts.metrics.inserted.inc(batch.length);
        backoff = 100;
      } catch (err) {
        this.opts.metrics.insertFailures.inc();
        if (err instanceof StoreError && err.status === 400) {
          // The store refused the batch's content: retrying cannot help. Write the events one
          // by one and drop (counted) only those it refuses, so one bad event costs one row.
          await this.insertOneByOne(batch);
          continue;
        }
        this.opts.log.error({ err, events: batch.length }, 'batch insert failed; retrying');
        queue.unshift(batch);
        if (!this.running && ++shutdownFailures >= 3) {
          // Shutting down with a broken store: say exactly how much is lost rather than hang.
          const lost = queue.take(Number.MAX_SAFE_INTEGER).length;
          this.opts.onLost(lost);
          this.opts.log.error({ lost }, 'EVENTS LOST at shutdown: the store kept failing');
          return;
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      } finally {
        this.writing = false;
      }
    }
  }

  private async insertOneByOne(batch: RequestEvent[]): Promise<void> {
    for (const event of batch) {
      try {
        await this.opts.store.insertRequests([event]);
        this.opts.metrics.inserted.inc();
      } catch (err) {
        this.opts.onRejected(1);
        this.opts.log.error({ err, request_id: event.request_id }, 'EVENT DROPPED: the store refused it');
      }
    }
  }

  /** Resolves once everything queued so far has been written (tests, shutdown). */
  async drained(): Promise<void> {
    this.urgent = true;
    while (this.opts.queue.length > 0 || this.writing) await sleep(5);
    this.urgent = false;
  }

  /** Writes what is queued, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.opts.queue.close();
    await this.loop;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
