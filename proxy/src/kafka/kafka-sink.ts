import { CompressionTypes, type Producer } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RequestEvent } from '@periscope/clickhouse/contract';
import type { EventSink } from '../events/sink.ts';
import type { DiskSpool, SpoolSegment } from '../events/spool/disk-spool.ts';
import type { SpoolFullPolicy } from '../events/spool/spool-policy.ts';
import type { KafkaLog } from './client.ts';

export interface EventMessage {
  key: string;
  value: Buffer;
}

/** Where batches go; kafkajs in production, a fake in unit tests. */
export interface EventTransport {
  send(messages: EventMessage[]): Promise<void>;
}

/**
 * Producer settings: acks=-1 (all in-sync replicas), gzip (built into kafkajs, and JSON
 * events compress ~5x). Batching comes from the sink, which hands over up to `batchMax`
 * events per send after waiting up to `lingerMs` for a batch to fill.
 */
export function kafkaTransport(producer: Producer, topic: string): EventTransport {
  return {
    async send(messages) {
      await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
    },
  };
}

/**
 * The message key is the request_id: it spreads events evenly over partitions (a project key
 * would pile a busy project onto one partition and one consumer), and nothing downstream
 * needs per-project order because rows are idempotent by request_id.
 */
const toMessage = (event: RequestEvent): EventMessage => ({ key: event.request_id, value: Buffer.from(JSON.stringify(event)) });

function fromSpoolRecord(record: Buffer): EventMessage {
  const { request_id } = JSON.parse(record.toString('utf8')) as { request_id?: string };
  return { key: request_id ?? '', value: record };
}

/** Splits messages into sends of at most `maxBytes` (a single larger message gets its own send). */
function chunkByBytes(messages: EventMessage[], maxBytes: number, maxCount: number): EventMessage[][] {
  const chunks: EventMessage[][] = [];
  let current: EventMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = m.value.length + m.key.length;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxCount)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const isKafkaError = (err: unknown) => (err as Error | undefined)?.name?.startsWith('KafkaJS') ?? false;

/** The broker refuses a record batch over its max.message.bytes: retrying cannot help. */
const isTooLarge = (err: unknown) => (err as { type?: string }).type === 'MESSAGE_TOO_LARGE';

export interface KafkaSinkOptions {
  transport: EventTransport;
  spool: DiskSpool;
  registry: Registry;
  log: KafkaLog;
  /** Events held in memory; beyond this they go to the spool. */
  memoryMax: number;
  onSpoolFull: SpoolFullPolicy;
  batchMax?: number;
  /**
   * Uncompressed bytes per send. Kafka refuses record batches over the broker's
   * message.max.bytes (1 MiB by default), so batches are cut well below it.
   */
  batchMaxBytes?: number;
  lingerMs?: number;
  /** Pause between replay attempts while Kafka stays unreachable. */
  retryMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The distributed sink: memory queue → Kafka, with a disk spool for everything Kafka cannot
 * take right now (unreachable, slow, or the memory queue is full). A drainer replays the spool
 * oldest-first and deletes a segment only after all its records were acknowledged, so the
 * pipeline is at-least-once end to end; ingest makes rows idempotent by request_id.
 */
export class KafkaSink implements EventSink {
  private memory: RequestEvent[] = [];
  private kafkaUp = true;
  private spoolFull = false;
  private running = true;
  private wake: (() => void) | undefined;
  private lastDropLog = 0;
  private readonly loops: Promise<void>[];
  private readonly o: Required<KafkaSinkOptions>;
  private readonly produced: Counter;
  private readonly spooled: Counter;
  private readonly replayed: Counter;
  private readonly dropped: Counter<'reason'>;

  constructor(opts: KafkaSinkOptions) {
    this.o = { batchMax: 500, batchMaxBytes: 768 * 1024, lingerMs: 10, retryMs: 500, ...opts };
    const registers = [opts.registry];
    this.produced = new Counter({ name: 'periscope_events_produced_total', help: 'Events acknowledged by Kafka (first try).', registers });
    this.spooled = new Counter({ name: 'periscope_events_spooled_total', help: 'Events written to the disk spool.', registers });
    this.replayed = new Counter({ name: 'periscope_events_replayed_total', help: 'Spooled events acknowledged by Kafka on replay.', registers });
    // The drop counter is shared with the rest of the pipeline (same name and labels).
    this.dropped = (opts.registry.getSingleMetric('periscope_events_dropped_total') as Counter<'reason'> | undefined)
      ?? new Counter({ name: 'periscope_events_dropped_total', help: 'Events lost, by reason.', labelNames: ['reason'], registers });
    const spool = opts.spool;
    const memory = () => this.memory.length;
    new Gauge({ name: 'periscope_spool_bytes', help: 'Bytes waiting in the disk spool.', registers, collect() { this.set(spool.bytes); } });
    new Gauge({ name: 'periscope_spool_records', help: 'Events waiting in the disk spool.', registers, collect() { this.set(spool.records); } });
    new Gauge({ name: 'periscope_sink_memory_events', help: 'Events waiting in memory for Kafka.', registers, collect() { this.set(memory()); } });
    const guard = (name: string, loop: Promise<void>) => loop.catch((err: unknown) => {
      this.o.log.error({ err }, `${name} stopped unexpectedly; events now go to the spool only`);
      this.kafkaUp = false;
    });
    this.loops = [guard('Kafka send loop', this.sendLoop()), guard('spool replay loop', this.drainLoop())];
  }

  emit(event: RequestEvent): void {
    if (!this.running) {
      this.dropped.inc({ reason: 'closed' });
      return;
    }
    if (this.kafkaUp && this.memory.length < this.o.memoryMax) {
      this.memory.push(event);
      this.wake?.();
      return;
    }
    this.toSpool([toMessage(event).value]);
  }

  /** False while the spool is full under the fail-calls policy: the gateway answers 503. */
  admit(): boolean {
    return !(this.spoolFull && this.o.onSpoolFull === 'fail-calls');
  }

  private toSpool(payloads: Buffer[]): void {
    const { written, rejected, error } = this.o.spool.append(payloads);
    this.spooled.inc(written);
    if (rejected === 0) return;
    const reason = error ? 'spool_write_failed' : 'spool_full';
    if (!error) this.spoolFull = true;
    this.dropped.inc({ reason }, rejected);
    if (Date.now() - this.lastDropLog > 5000) {
      this.lastDropLog = Date.now();
      this.o.log.error(
        { dropped: rejected, reason, err: error?.message, spool_bytes: this.o.spool.bytes },
        'EVENTS DROPPED: Kafka is unavailable and the disk spool cannot take them',
      );
    }
  }

  private async sendLoop(): Promise<void> {
    while (this.running || this.memory.length > 0) {
      if (this.memory.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 200);
        });
        this.wake = undefined;
        continue;
      }
      if (this.memory.length < this.o.batchMax && this.running) await sleep(this.o.lingerMs);
      const batch = this.memory.splice(0, this.o.batchMax);
      if (!this.kafkaUp) {
        this.toSpool(batch.map((e) => toMessage(e).value));
        continue;
      }
      const chunks = chunkByBytes(batch.map(toMessage), this.o.batchMaxBytes, this.o.batchMax);
      for (const [i, chunk] of chunks.entries()) {
        try {
          await this.send(chunk);
          this.produced.inc(chunk.length);
        } catch (err) {
          this.kafkaUp = false;
          this.o.log.warn({ err, events: batch.length }, 'Kafka send failed; spooling to disk until it is back');
          this.toSpool(chunks.slice(i).flat().map((m) => m.value));
          break;
        }
      }
    }
  }

  private async drainLoop(): Promise<void> {
    // The segment being replayed, parsed once: while Kafka stays down the retries must not
    // re-read and re-parse up to 16 MiB on the proxy's event loop every half second.
    let pending: { segment: SpoolSegment; chunks: EventMessage[][]; sent: number; records: number } | undefined;
    while (this.running) {
      try {
        if (!pending) {
          const segment = this.o.spool.records > 0 ? await this.o.spool.oldest() : null;
          if (!segment) {
            this.kafkaUp = true; // nothing spooled: new events may try Kafka directly again
            await sleep(this.o.retryMs);
            continue;
          }
          const records = await segment.read();
          pending = { segment, chunks: chunkByBytes(records.map(fromSpoolRecord), this.o.batchMaxBytes, this.o.batchMax), sent: 0, records: records.length };
        }
        while (pending.sent < pending.chunks.length && this.running) {
          await this.send(pending.chunks[pending.sent]!);
          pending.sent++;
        }
        if (!this.running) break;
        await this.o.spool.remove(pending.segment);
        this.replayed.inc(pending.records);
        pending = undefined;
        this.spoolFull = false;
        this.kafkaUp = true;
      } catch (err) {
        // Kafka down, or the spool could not be read (EMFILE, EIO): never let the loop die.
        if (!isKafkaError(err)) this.o.log.error({ err }, 'spool replay failed; retrying');
        this.kafkaUp = false;
        await sleep(this.o.retryMs);
      }
    }
  }

  /**
   * Sends one chunk. A lone message the broker calls too large can never be delivered: it is
   * dropped, counted and logged, so it cannot wedge the sink (or the spool replay) forever.
   */
  private async send(chunk: EventMessage[]): Promise<void> {
    try {
      await this.o.transport.send(chunk);
    } catch (err) {
      if (!isTooLarge(err) || chunk.length !== 1) throw err;
      this.dropped.inc({ reason: 'too_large_for_kafka' });
      this.o.log.error({ request_id: chunk[0]!.key, bytes: chunk[0]!.value.length }, 'EVENT DROPPED: larger than the broker accepts (message.max.bytes)');
    }
  }

  /** Stops taking events, hands what is in memory to Kafka (or the spool), and fsyncs the spool. */
  async close(): Promise<void> {
    this.running = false;
    this.wake?.();
    await Promise.all(this.loops);
    await this.o.spool.close();
  }
}
