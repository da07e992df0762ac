import { RESENT_HEADER, requestIdOf } from '@periscope/contract';
import type { KafkaLog, SpoolBatch, SpoolReader } from '@periscope/spool';
import { shrunkEventValue } from './shrink-event.ts';

export interface EventMessage {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}


/** Where batches go; kafkajs in production, a fake in unit tests. */
export interface EventTransport {
  send(messages: EventMessage[]): Promise<void>;
}

/** What the shipper did so far; the gateway's /metrics reports it. */
export interface ShipperStats {
  produced: number;
  tooLarge: number;
  /** Events the broker refused as too large, delivered with their bodies clipped or withheld (shrink-event.ts). */
  shrunk: number;
  /** Failed writes of the spool cursor after an acknowledged send (each tried again). */
  cursorWriteFailures: number;
  kafkaUp: boolean;
}

export interface SpoolShipperOptions {
  reader: SpoolReader;
  transport: EventTransport;
  log: KafkaLog;
  /** Records per send. */
  batchMax?: number;
  /**
   * Bytes per send. Kafka refuses record batches over the broker's message.max.bytes (1 MiB by
   * default), so batches are cut well below it.
   */
  batchMaxBytes?: number;
  /**
   * Pause when the spool has nothing new. Each look costs a directory listing and a stat: at
   * 20 ms they were most of an idle shipper's CPU (docs/benchmarks.md, "Idle CPU"). The first
   * event after a quiet spell waits up to this long, no longer than a linger.
   */
  idleMs?: number;
  /**
   * Pause after a batch that was not full, so that a steady flow of calls makes a few large
   * sends rather than one per event or two: each send costs a broker round trip (acks=all), a
   * cursor write, and broker and ingest work per request. Without it, at 500 calls/s the shipper
   * sent a batch of a handful of events every few milliseconds. Events wait in the spool (on
   * disk) meanwhile, so the pause costs freshness, not durability. 500 ms rather than 100: the
   * shipper and the broker share a core with the upstream and the clients in the bench, and
   * five times fewer sends took the shipper from 103–116 to 59–67 µs of CPU per event at 500
   * calls/s, and the broker from 91–182 to 72–102 (docs/benchmarks.md, "The shipper's linger").
   * A row shows up to 0.4 s later; the ingest's fetch already waits up to 1 s.
   */
  lingerMs?: number;
  /** First pause between tries while Kafka is unreachable (doubles up to 5 s). */
  retryMs?: number;
  /**
   * Called once each batch is committed: what it produced or dropped is reported at once rather
   * than with the next periodic stats, which a shipper that dies meanwhile would never send. About
   * two a second for a steady flow (the linger), one per 500 events while a backlog drains.
   */
  onCommitted?: () => void;
}

const RESENT = Object.freeze({ [RESENT_HEADER]: '1' });
const asResent = (m: EventMessage): EventMessage => (m.headers === RESENT ? m : Object.assign({}, m, { headers: RESENT }));

/** The broker refuses a record batch over its max.message.bytes: retrying cannot help. */
const isTooLarge = (err: unknown) => (err as { type?: string }).type === 'MESSAGE_TOO_LARGE';

/**
 * Moves spooled events to Kafka, oldest first, off the gateway's event loop (it runs in the
 * shipper process). The spool bytes are the message values and the request id (read from the
 * bytes' prefix) the key, which spreads events over partitions; nothing is decoded or encoded
 * again. The cursor moves only after Kafka acknowledged (acks=-1), so delivery is
 * at-least-once; while Kafka is unreachable the events wait in the spool and the shipper
 * retries with backoff, forever.
 */
export class SpoolShipper {
  readonly stats: ShipperStats = { produced: 0, tooLarge: 0, shrunk: 0, cursorWriteFailures: 0, kafkaUp: true };
  /** Set by stop(): ship what is spooled until then, or until the spool is empty. */
  private stopAt: number | undefined;
  private wake: (() => void) | undefined;
  /** Until the first batch after the start is acknowledged. */
  private resuming = true;
  private readonly o: Required<SpoolShipperOptions>;

  constructor(o: SpoolShipperOptions) {
    this.o = { batchMax: 500, batchMaxBytes: 768 * 1024, idleMs: 100, lingerMs: 500, retryMs: 200, onCommitted: () => {}, ...o };
  }

  async run(): Promise<void> {
    for (;;) {
      if (this.stopAt !== undefined && Date.now() >= this.stopAt) return;
      let batch;
      try {
        batch = await this.o.reader.read(this.o.batchMax, this.o.batchMaxBytes);
      } catch (err) {
        // The spool could not be read (EMFILE, EIO): never let the loop die.
        this.o.log.error({ err }, 'spool read failed; retrying');
        await this.pause(this.o.retryMs);
        continue;
      }
      if (!batch) {
        if (this.stopAt !== undefined) return;
        await this.pause(this.o.idleMs);
        continue;
      }
      const headers = this.resuming || batch.replayed ? RESENT : undefined;
      const messages = batch.records.map((value) => ({ key: requestIdOf(value) ?? '', value, headers }));
      const dropped = this.stats.tooLarge;
      if (!(await this.deliver(messages))) return; // stopping: the batch stays in the spool
      if (!(await this.committed(batch))) return; // stopping: the next start sends the batch again, marked
      this.resuming = false;
      this.stats.produced += messages.length - (this.stats.tooLarge - dropped);
      this.o.onCommitted();
      // A read stops at the end of a segment: a backlog that spans segments goes on at once
      // rather than pausing at each end. Only a shipper that caught up pauses.
      const half = this.o.batchMaxBytes / 2;
      const full = messages.length >= this.o.batchMax || batch.to - batch.from >= half || this.o.reader.backlogBytes() >= half;
      if (!full && this.stopAt === undefined) await this.pause(this.o.lingerMs);
    }
  }

  /**
   * Ships what is spooled for up to `drainMs` more (while Kafka answers), then stops after the
   * send in hand; what was not acknowledged stays in the spool for the next start.
   */
  stop(drainMs = 0): void {
    this.stopAt = Date.now() + drainMs;
    this.wake?.();
  }

  /**
   * A send that failed may still have been appended, in whole or for some partitions (the
   * broker wrote the batch and the acknowledgement was lost, or one partition refused it): every
   * message sent again, after a failure or in the halves of a batch too large, carries the resent
   * header, so the ingest checks it against what is stored and the rollups count it once. The
   * producer has no retries of its own for the same reason (shipper-process.ts).
   */
  private async deliver(batch: EventMessage[]): Promise<boolean> {
    let delay = this.o.retryMs;
    let messages = batch;
    let shrunk = false;
    for (;;) {
      try {
        await this.o.transport.send(messages);
        if (!this.stats.kafkaUp) this.o.log.info({}, 'Kafka reachable again; shipping the spooled events');
        this.stats.kafkaUp = true;
        if (shrunk) this.stats.shrunk += 1;
        return true;
      } catch (err) {
        // The broker answered: it is up, whatever it thought of the batch.
        if (isTooLarge(err)) this.stats.kafkaUp = true;
        const smaller = isTooLarge(err) && messages.length === 1 ? shrunkEventValue(messages[0]!.value) : undefined;
        if (smaller) {
          // The call keeps its row, with less of its bodies: sent again at once, marked.
          if (!shrunk) this.o.log.warn({ request_id: messages[0]!.key, bytes: messages[0]!.value.length }, 'event larger than the broker accepts (message.max.bytes): sending it with its bodies clipped');
          shrunk = true;
          messages = [{ key: messages[0]!.key, value: smaller, headers: RESENT }];
          continue;
        }
        if (isTooLarge(err) && messages.length === 1) {
          // A lone message the broker calls too large, with nothing left to take from it, can
          // never be delivered: drop it, counted, so it cannot wedge the spool forever.
          this.stats.tooLarge += 1;
          this.o.log.error({ request_id: messages[0]!.key, bytes: messages[0]!.value.length }, 'EVENT DROPPED: larger than the broker accepts (message.max.bytes)');
          return true;
        }
        messages = messages.map(asResent);
        if (isTooLarge(err)) {
          // Split until the offender is alone.
          const half = Math.ceil(messages.length / 2);
          return (await this.deliver(messages.slice(0, half))) && this.deliver(messages.slice(half));
        }
        if (this.stats.kafkaUp) this.o.log.warn({ err: (err as Error).message, events: messages.length }, 'Kafka send failed; events wait in the disk spool until it is back');
        this.stats.kafkaUp = false;
      }
      if (this.stopAt !== undefined) return false;
      await this.pause(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }

  /**
   * Moves the cursor past an acknowledged batch. The cursor file is replaced whole, so a write
   * that fails (a full disk) leaves the last one in place: it is tried again with backoff and
   * counted, and the next events wait in the spool meanwhile, rather than the process dying and
   * being restarted every second.
   */
  private async committed(batch: SpoolBatch): Promise<boolean> {
    for (let delay = this.o.retryMs; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.o.reader.commit(batch);
        return true;
      } catch (err) {
        this.stats.cursorWriteFailures += 1;
        this.o.log.error({ err: (err as Error).message }, 'spool cursor write failed; retrying (the events wait in the spool)');
      }
      if (this.stopAt !== undefined) return false;
      await this.pause(delay);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = () => done();
      this.wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
