import { decodeEventRow } from '@periscope/contract';
import { eventKey, type EventIdentity, type Store } from '@periscope/clickhouse';
import { SpoolReader, type SpoolBatch, type SpoolPosition } from '@periscope/spool';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestMetrics } from './ingest-metrics.ts';
import { insertIsolatingRefused, isRefusal } from './refused-rows.ts';
import { randomBytes } from 'node:crypto';
import { decodeSliceNote, encodeCheckNote, encodeSliceNote, type SliceInFlight } from './isolation-note.ts';
import { PartAbandoned } from './kafka/grouped-inserts.ts';
import { byMonth, spansMonths } from './months.ts';

/** The cursor could not note a slice before its insert (a full disk): counted as a cursor write, not an insert. */
class CursorWriteFailed extends Error {
  constructor(cause: unknown) {
    super(`cursor write failed: ${(cause as Error).message}`, { cause });
  }
}

export interface SpoolIngestOptions {
  /** The gateway's spool directory. */
  dir: string;
  store: Store;
  registry: Registry;
  metrics: IngestMetrics;
  log: FastifyBaseLogger;
  /** Records per insert. */
  maxBatch?: number;
  /** Bytes per insert (one larger record still goes alone). */
  maxBatchBytes?: number;
  /**
   * Pause after a batch that was not full. Every insert has a fixed cost in ClickHouse (a new
   * part, the rollup views, later merges): a few large inserts cost far less than many small
   * ones. A quiet gateway's rows show up within this.
   */
  lingerMs?: number;
  /**
   * The pause after a batch of at least BUSY_BATCH records: under load, one insert a second.
   * Measured at 1,500 calls/s with `periscope start` (gateway on one core, the store process on
   * the other): the store process took 216 µs of CPU per event with 200 ms pauses and 110–121 µs
   * with 1 s, CPU taken from the core that also runs the clients and the provider.
   */
  busyLingerMs?: number;
  /**
   * Pause when the spool has nothing new. Each look costs a directory listing and a stat; at
   * 20 ms an idle store process spent about 10 ms of CPU a second on them (docs/benchmarks.md,
   * "Idle CPU"). 100 ms is within the linger a batch waits anyway.
   */
  idleMs?: number;
}

/** A batch this large means calls are flowing: wait longer so inserts stay large. */
const BUSY_BATCH = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A batch's valid events: their bytes, identities and indices among the batch's records. */
interface Rows {
  buffers: Buffer[];
  events: EventIdentity[];
  records: number[];
}

/** The slice of an isolation in flight (noted in the cursor before its insert). */
interface IsolationState {
  slice: SliceInFlight | undefined;
}

const after = (a: SpoolPosition, b: SpoolPosition) => a.segment > b.segment || (a.segment === b.segment && a.offset >= b.offset);

/**
 * The embedded store's event source: reads the gateway's spool and inserts the event bytes into
 * ClickHouse as they are, each batch exactly once: the token of its insert (its spool position
 * and this process's generation) is noted in the spool's cursor before it is sent, and a batch
 * interrupted by a crash is inserted again whole under that token when the table holds any of
 * its rows. That is what keeps the rollups exact too: the engine commits the table's part and
 * each rollup view's part one after the other, so a crash between them leaves the rows in the
 * table but not in a view, and only the same token fills in that view without counting the
 * others twice (deduplicate_blocks_in_dependent_materialized_views). Leaving out the rows found
 * in the table would leave the view short for good. The engine also records an insert's token
 * before its part is in place; the same token would then feed the views rows the table skips,
 * so rows the table lacks go in under new tokens. Rows the engine refuses are isolated, each
 * slice noted the same way (isolation-note.ts).
 * Events that fail the contract are dropped and counted; a store that fails is retried with
 * backoff and nothing is skipped: the events wait in the spool.
 */
export class SpoolIngest {
  private running = true;
  private readonly loop: Promise<void>;
  private readonly o: Required<SpoolIngestOptions>;
  private lastDropLog = 0;
  /** Until the first batch after the start was stored: it may be one a crash interrupted. */
  private firstBatch = true;
  /**
   * Part of every token of this process (a batch's, its isolation slices'). After a restart,
   * rows the table lacks are inserted under tokens the engine has not seen: it may hold one whose
   * part a crash lost, and would take the same token again for a repeat. Rows the table lacks are
   * in no rollup either (the table's part is committed first), so new tokens count nothing twice.
   * Which token an insert in flight used is noted in the cursor before it is sent.
   */
  private readonly generation = randomBytes(4).toString('hex');
  private wake: (() => void) | undefined;

  private readonly cursorWriteFailures: Counter;

  private constructor(private readonly reader: SpoolReader, private readonly dropped: Counter<'reason'>, o: SpoolIngestOptions) {
    this.o = { maxBatch: 10_000, maxBatchBytes: 16 * 1024 * 1024, lingerMs: 200, busyLingerMs: 1000, idleMs: 100, ...o };
    this.cursorWriteFailures = new Counter({ name: 'periscope_spool_cursor_write_failures_total', help: 'Failed writes of the spool cursor (each retried; the events wait in the spool).', registers: [o.registry] });
    const backlog = () => this.backlogBytes();
    new Gauge({ name: 'periscope_spool_backlog_bytes', help: 'Spooled bytes not yet in ClickHouse.', registers: [o.registry], collect() { this.set(backlog()); } });
    this.loop = this.run();
  }

  static async start(o: SpoolIngestOptions): Promise<SpoolIngest> {
    const registers = [o.registry];
    const dropped = (o.registry.getSingleMetric('periscope_events_dropped_total') as Counter<'reason'> | undefined)
      ?? new Counter({ name: 'periscope_events_dropped_total', help: 'Events lost, by reason.', labelNames: ['reason'], registers });
    const damaged = new Counter({ name: 'periscope_spool_damaged_records_total', help: 'Torn or corrupt spool records skipped (each ended its segment).', registers });
    const reader = await SpoolReader.open(o.dir, { log: o.log, onDamage: () => damaged.inc() });
    return new SpoolIngest(reader, dropped, o);
  }

  /** Resolves once everything before `target` (a writer's position) is in ClickHouse. */
  async drainedTo(target: SpoolPosition): Promise<void> {
    // Someone waits for these rows: read now rather than after the idle look or the linger.
    this.wake?.();
    while (this.running && !after(this.reader.position, target)) await sleep(5);
  }

  /** Resolves once the spool holds nothing new, or after `ms`: a stop that takes in what was spooled. */
  async drainAvailable(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.running && Date.now() < deadline && this.backlogBytes() > 0) await sleep(10);
  }

  /** The spool's unread bytes; 0 when the directory cannot be listed (out of file descriptors). */
  private backlogBytes(): number {
    try {
      return this.reader.backlogBytes();
    } catch (err) {
      this.o.log.error({ err }, 'spool ingest: cannot measure the spool backlog');
      return 0;
    }
  }

  /** Finishes the batch in hand and stops; the rest waits in the spool for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.reader.close();
  }

  /** A pause that stop() cuts short, and none once stopping (a stop() during a read or an insert woke no pause). */
  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!(await this.next())) return;
      } catch (err) {
        // Each step retries its own failures: this is a defect. The loop starts over as a new
        // process would (the batch in flight is read again, checked against the table).
        this.firstBatch = true;
        this.o.log.error({ err }, 'spool ingest: unexpected error; starting over in 1 s (the events wait in the spool)');
        await this.pause(1000);
      }
    }
  }

  /** Reads and stores the next batch, then pauses unless more waits; false when stopping. */
  private async next(): Promise<boolean> {
    let batch: SpoolBatch | null;
    try {
      batch = await this.reader.read(this.o.maxBatch, this.o.maxBatchBytes);
    } catch (err) {
      this.o.log.error({ err }, 'spool read failed; retrying');
      await this.pause(500);
      return true;
    }
    if (!batch) {
      await this.pause(this.o.idleMs);
      return true;
    }
    if (!(await this.insert(batch))) return false;
    const n = batch.records.length;
    // A batch cut by a bound, or half a batch already waiting behind it: read on at once (a
    // backlog, large events); only a store that caught up pauses.
    const half = this.o.maxBatchBytes / 2;
    const full = n >= this.o.maxBatch || batch.to - batch.from >= half || this.backlogBytes() >= half;
    if (!full) await this.pause(n >= BUSY_BATCH ? this.o.busyLingerMs : this.o.lingerMs);
    return true;
  }

  /** Inserts one batch until it is stored; false when stopping first (it stays in the spool). */
  private async insert(batch: SpoolBatch): Promise<boolean> {
    const rows: Rows = { buffers: [], events: [], records: [] };
    batch.records.forEach((record, index) => {
      const decoded = decodeEventRow(record);
      if (decoded.ok) {
        const { project_id, created_at, request_id } = decoded.event;
        rows.buffers.push(decoded.row);
        rows.events.push({ project_id, created_at, request_id });
        rows.records.push(index);
      } else this.drop('invalid_event', decoded.reason, decoded.requestId);
    });
    const token = `spool:${batch.token}`;
    const state: IsolationState = { slice: decodeSliceNote(batch.note, batch.records.length, token) };
    // A batch begun without a note went in under the bare token: only an older version, and this
    // fallback, begin one so. It goes again under that token when the table holds any of its rows.
    if (!state.slice && this.firstBatch && batch.resumed && batch.note === undefined) state.slice = { records: batch.records.map((_, i) => i), token };
    // Any other first batch after a start is checked against the table, which says what it lacks
    // (stored under other tokens: a damaged note's batch, rows the Kafka shipper had sent before a
    // switch to spool mode); those rows go in under new tokens. A damaged note may so leave a
    // rollup short of a batch; the same token again could not be known, another one would count
    // the batch twice in the rollups that have it.
    // So is a batch read again after the cursor was damaged, and a batch whose rows fall in two
    // months, one insert per month (isolate()).
    let isolating = state.slice !== undefined || this.firstBatch || batch.replayed === true || spansMonths(rows.events, (e) => e.created_at);
    // Otherwise the batch goes in whole as one slice, under a token of this process noted first:
    // a restart then knows which token the engine may have taken (isolate()).
    const whole = isolating ? undefined : { records: batch.records.map((_, i) => i), token: `${token}:${this.generation}` };
    // A slice in flight keeps its note (the bare token's fallback has none, as that version's).
    const note = whole ? encodeSliceNote(whole, batch.records.length) : state.slice ? batch.note : encodeCheckNote(batch.records.length);
    if (!(await this.persisted(() => this.reader.begin(batch, note)))) return false;
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      const end = this.o.metrics.insertLatency.startTimer();
      try {
        if (!isolating) {
          try {
            await this.o.store.insertRequestRows(rows.buffers, { dedupToken: whole!.token });
          } catch (err) {
            if (!isRefusal(err)) throw err;
            isolating = true;
          }
        }
        const refused = isolating ? await this.isolate(batch, token, rows, state) : [];
        end();
        this.o.metrics.inserted.inc(rows.buffers.length - refused.length);
        for (const { request_id, reason } of refused) this.drop('rejected_by_store', reason, request_id);
        break;
      } catch (err) {
        if (err instanceof PartAbandoned) return false; // stopping: the batch stays in the spool
        // Anything but a refusal of the rows' content: they wait in the spool until it passes.
        this.o.metrics.insertFailures.inc();
        this.o.log.error({ err, events: rows.buffers.length }, 'spool insert failed; retrying (the events wait in the spool)');
        await this.pause(delay);
        if (!this.running) return false;
      }
    }
    // Not acknowledged when stopping first: the cursor on disk still holds the batch in flight with
    // its note, so the next start checks it against the table.
    if (!(await this.persisted(() => this.reader.commit(batch)))) return false;
    this.firstBatch = false;
    return true;
  }

  /**
   * Writes the cursor until it is written (a full disk, a read-only remount): false when stopping
   * first. The cursor file is replaced whole, so a failed write leaves the last one in place.
   */
  private async persisted(write: () => Promise<void>): Promise<boolean> {
    for (let delay = 100; this.running; delay = Math.min(delay * 2, 5000)) {
      try {
        await write();
        return true;
      } catch (err) {
        this.cursorWriteFailures.inc();
        this.o.log.error({ err }, 'spool cursor write failed; retrying (the events wait in the spool)');
        await this.pause(delay);
      }
    }
    return false;
  }

  /**
   * Stores the rows of the batch that the table lacks, isolating the ones the engine refuses
   * (refused-rows.ts), and returns those. First the slice a crash interrupted (the whole batch,
   * or an isolation slice) goes again under its token when the table holds any of its rows (a
   * rollup that missed it is filled in; a no-op otherwise), then the table says what
   * is stored: rows a refused insert stored anyway (it is not atomic across the engine's blocks),
   * and slices stored before a crash, which are not inserted again (the engine remembers only
   * the last 1,000 tokens). Each slice is noted in the cursor before it is inserted.
   */
  private async isolate(batch: SpoolBatch, token: string, rows: Rows, state: IsolationState): Promise<{ request_id: string; reason: string }[]> {
    if (state.slice) {
      const rowOf = new Map(rows.records.map((record, i) => [record, i]));
      const inSlice = state.slice.records.flatMap((record) => (rowOf.has(record) ? [rowOf.get(record)!] : []));
      // None of its rows stored: the engine may have recorded its token without the part, and
      // the same token would then feed the rollups rows the table skips, to be counted again
      // when they go in below. They cannot be in a rollup (the table's part comes first).
      const anyStored = (await this.o.store.storedEvents(inSlice.map((i) => rows.events[i]!))).size > 0;
      try {
        if (anyStored) await this.o.store.insertRequestRows(inSlice.map((i) => rows.buffers[i]!), { dedupToken: state.slice.token });
      } catch (err) {
        if (!isRefusal(err)) throw err;
      }
      state.slice = undefined;
    }
    const stored = await this.o.store.storedEvents(rows.events);
    const rest = rows.events.flatMap((e, i) => (stored.has(eventKey(e)) ? [] : [i]));
    // One insert per month, the table's partition (months.ts): each month's slices are noted and
    // checked on their own.
    const months = byMonth(rest, (i) => rows.events[i]!.created_at);
    const refused: { request_id: string; reason: string }[] = [];
    for (const [month, group] of months) {
      const rowIndex = new Map(group.map((i) => [rows.buffers[i]!, i]));
      const groupToken = `${token}:${this.generation}:${rest.length}${months.size > 1 ? `@${month}` : ''}:isolated`;
      const refusedRows = await insertIsolatingRefused(group.map((i) => rows.buffers[i]!), groupToken, async (slice, dedupToken) => {
        state.slice = { records: slice.map((row) => rows.records[rowIndex.get(row)!]!), token: dedupToken };
        try {
          await this.reader.begin(batch, encodeSliceNote(state.slice, batch.records.length));
        } catch (err) {
          throw new CursorWriteFailed(err);
        }
        await this.o.store.insertRequestRows(slice, { dedupToken });
      }, {
        live: () => this.running,
        pause: (ms) => this.pause(ms),
        // The slice is tried again either way (the note first); only the counter differs.
        onFailure: (err) => {
          if (err instanceof CursorWriteFailed) {
            this.cursorWriteFailures.inc();
            this.o.log.error({ err: err.cause }, 'spool cursor write failed; retrying (the events wait in the spool)');
            return;
          }
          this.o.metrics.insertFailures.inc();
          this.o.log.error({ err, events: rows.buffers.length }, 'spool insert failed; retrying (the events wait in the spool)');
        },
      });
      refused.push(...refusedRows.map(({ index, reason }) => ({ request_id: rows.events[group[index]!]!.request_id, reason })));
    }
    return refused;
  }

  private drop(reason: string, detail: string, requestId: string | undefined): void {
    this.dropped.inc({ reason });
    if (Date.now() - this.lastDropLog > 5000) {
      this.lastDropLog = Date.now();
      this.o.log.error({ reason, detail, request_id: requestId }, 'EVENT DROPPED: see periscope_events_dropped_total');
    }
  }
}
