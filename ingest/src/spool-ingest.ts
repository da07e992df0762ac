import { decodeEventRow } from '@periscope/contract';
import type { EventIdentity, Store } from '@periscope/clickhouse';
import { SpoolReader, type SpoolBatch, type SpoolPosition } from '@periscope/spool';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestMetrics } from './ingest-metrics.ts';
import { insertIsolatingRefused, isRefusal } from './refused-rows.ts';
import { PartAbandoned } from './kafka/grouped-inserts.ts';

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

const after = (a: SpoolPosition, b: SpoolPosition) => a.segment > b.segment || (a.segment === b.segment && a.offset >= b.offset);

/**
 * The note kept with a batch being isolated (refused rows): the rows stored when isolation
 * began, as ranges of their indices ("isolating:0-99,250-260", ends exclusive).
 */
const ISOLATING = 'isolating:';

function isolationNote(stored: ReadonlySet<number>, count: number): string {
  const ranges: string[] = [];
  for (let i = 0; i < count; i++) {
    if (!stored.has(i)) continue;
    let end = i + 1;
    while (stored.has(end)) end++;
    ranges.push(`${i}-${end}`);
    i = end;
  }
  return ISOLATING + ranges.join(',');
}

function storedAtIsolation(note: string | undefined): Set<number> | undefined {
  if (!note?.startsWith(ISOLATING)) return undefined;
  const stored = new Set<number>();
  for (const range of note.slice(ISOLATING.length).split(',')) {
    const [from, to] = range.split('-').map(Number);
    if (from === undefined || to === undefined || !Number.isSafeInteger(from) || !Number.isSafeInteger(to)) continue;
    for (let i = from; i < to; i++) stored.add(i);
  }
  return stored;
}

/**
 * The embedded store's event source: reads the gateway's spool and inserts the event bytes into
 * ClickHouse as they are, each batch exactly once: its spool position is the insert's
 * deduplication token, and a batch interrupted by a crash is inserted again whole with the same
 * token. That is what keeps the rollups exact too: the engine commits the table's part and each
 * rollup view's part one after the other, so a crash between them leaves the rows in the table
 * but not in a view, and only the same token fills in that view without counting the others
 * twice (deduplicate_blocks_in_dependent_materialized_views). Leaving out the rows found in the
 * table would leave the view short for good.
 * Events that fail the contract are dropped and counted; a store that fails is retried with
 * backoff and nothing is skipped: the events wait in the spool.
 */
export class SpoolIngest {
  private running = true;
  private readonly loop: Promise<void>;
  private readonly o: Required<SpoolIngestOptions>;
  private lastDropLog = 0;
  private wake: (() => void) | undefined;

  private constructor(private readonly reader: SpoolReader, private readonly dropped: Counter<'reason'>, o: SpoolIngestOptions) {
    this.o = { maxBatch: 10_000, maxBatchBytes: 16 * 1024 * 1024, lingerMs: 200, busyLingerMs: 1000, idleMs: 100, ...o };
    new Gauge({ name: 'periscope_spool_backlog_bytes', help: 'Spooled bytes not yet in ClickHouse.', registers: [o.registry], collect() { this.set(reader.backlogBytes()); } });
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
    while (this.running && Date.now() < deadline && this.reader.backlogBytes() > 0) await sleep(10);
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
      let batch: SpoolBatch | null;
      try {
        batch = await this.reader.read(this.o.maxBatch, this.o.maxBatchBytes);
      } catch (err) {
        this.o.log.error({ err }, 'spool read failed; retrying');
        await sleep(500);
        continue;
      }
      if (!batch) {
        await this.pause(this.o.idleMs);
        continue;
      }
      if (!(await this.insert(batch))) return;
      const n = batch.records.length;
      // A batch cut by a bound, or half a batch already waiting behind it: read on at once (a
      // backlog, large events); only a store that caught up pauses.
      const half = this.o.maxBatchBytes / 2;
      const full = n >= this.o.maxBatch || batch.to - batch.from >= half || this.reader.backlogBytes() >= half;
      if (!full) await this.pause(n >= BUSY_BATCH ? this.o.busyLingerMs : this.o.lingerMs);
    }
  }

  /** Inserts one batch until it is stored; false when stopping first (it stays in the spool). */
  private async insert(batch: SpoolBatch): Promise<boolean> {
    const rows: Buffer[] = [];
    const events: EventIdentity[] = [];
    for (const record of batch.records) {
      const decoded = decodeEventRow(record);
      if (decoded.ok) {
        rows.push(decoded.row);
        const { project_id, created_at, request_id } = decoded.event;
        events.push({ project_id, created_at, request_id });
      } else this.drop('invalid_event', decoded.reason, decoded.requestId);
    }
    await this.reader.begin(batch, batch.note);
    const token = `spool:${batch.token}`;
    /**
     * Once the store refused the batch for a row's content, the rows it stored anyway (an insert
     * is not atomic across the engine's blocks) are left out and the rest isolated
     * (refused-rows.ts). Which rows were stored then is noted with the batch, so a restart in
     * the middle isolates the same rows under the same tokens.
     */
    let stored = storedAtIsolation(batch.note);
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      const end = this.o.metrics.insertLatency.startTimer();
      try {
        let refused: { request_id: string; reason: string }[] = [];
        if (stored === undefined) {
          try {
            await this.o.store.insertRequestRows(rows, { dedupToken: token });
          } catch (err) {
            if (!isRefusal(err)) throw err;
            const ids = await this.o.store.storedRequestIds(events);
            stored = new Set(events.flatMap((e, i) => (ids.has(e.request_id) ? [i] : [])));
            await this.reader.begin(batch, isolationNote(stored, rows.length));
          }
        }
        if (stored !== undefined) {
          const rest = rows.flatMap((_, i) => (stored!.has(i) ? [] : [i]));
          const found = await insertIsolatingRefused(rest.map((i) => rows[i]!), `${token}:${rest.length}:isolated`, (slice, dedupToken) => this.o.store.insertRequestRows(slice, { dedupToken }), {
            live: () => this.running,
            onFailure: (err) => {
              this.o.metrics.insertFailures.inc();
              this.o.log.error({ err, events: rows.length }, 'spool insert failed; retrying (the events wait in the spool)');
            },
          });
          refused = found.map(({ index, reason }) => ({ request_id: events[rest[index]!]!.request_id, reason }));
        }
        end();
        this.o.metrics.inserted.inc(rows.length - refused.length);
        for (const { request_id, reason } of refused) this.drop('rejected_by_store', reason, request_id);
        break;
      } catch (err) {
        if (err instanceof PartAbandoned) return false; // stopping: the batch stays in the spool
        // Anything but a refusal of the rows' content: they wait in the spool until it passes.
        this.o.metrics.insertFailures.inc();
        this.o.log.error({ err, events: rows.length }, 'spool insert failed; retrying (the events wait in the spool)');
        if (!this.running) return false;
        await sleep(delay);
      }
    }
    await this.reader.commit(batch);
    return true;
  }

  private drop(reason: string, detail: string, requestId: string | undefined): void {
    this.dropped.inc({ reason });
    if (Date.now() - this.lastDropLog > 5000) {
      this.lastDropLog = Date.now();
      this.o.log.error({ reason, detail, request_id: requestId }, 'EVENT DROPPED: see periscope_events_dropped_total');
    }
  }
}
