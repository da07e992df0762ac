import fs from 'node:fs';
import path from 'node:path';
import {
  MAX_PAYLOAD_BYTES,
  encodeRecords,
  parseRecords,
  recordBytes,
  segmentFileName,
  segmentIdOf,
} from './segment-format.ts';

/** The slice of a pino/Fastify logger the spool reports damage and fsync failures to. */
export interface SpoolLog {
  error(obj: object, msg: string): void;
}

export interface DiskSpoolOptions {
  /** Hard cap on the bytes of all segment files; appends past it are rejected. */
  maxBytes: number;
  /** A segment is sealed once the next record would take it past this size. Default 16 MiB. */
  segmentBytes?: number;
  /** Group fsync period: the most a crash of the machine can lose. Default 200 ms. */
  fsyncIntervalMs?: number;
  /** Defaults to stderr: damage must never go unreported. */
  log?: SpoolLog;
}

export interface AppendResult {
  written: number;
  /** payloads.slice(written): over the byte cap, or `error` is set (the disk failed). */
  rejected: number;
  error?: Error;
}

/** A sealed segment handed to the drainer; it never changes once handed out. */
export interface SpoolSegment {
  readonly id: number;
  readonly records: number;
  readonly bytes: number;
  /** Every readable record, oldest first. */
  read(): Promise<Buffer[]>;
}

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
const DEFAULT_FSYNC_INTERVAL_MS = 200;

const stderrLog: SpoolLog = {
  error: (obj, msg) => console.error(`periscope: ${msg}`, obj),
};

class Segment implements SpoolSegment {
  bytes = 0;
  records = 0;
  /** Written since the last fsync was started. */
  dirty = false;
  /** No more appends; the fd is closed by the next sync round. */
  sealed = false;
  /** read() found damage; counted once however often the drainer retries. */
  damageReported = false;

  constructor(
    readonly id: number,
    readonly file: string,
    public fd: number | null,
    private readonly reader: (segment: Segment) => Promise<Buffer[]>,
  ) {}

  read(): Promise<Buffer[]> {
    return this.reader(this);
  }
}

/**
 * The Kafka sink's local disk spool: events that cannot reach Kafka are appended here and
 * replayed oldest-first once it is back.
 *
 * Durability. A crash loses at most one fsync interval (default 200 ms) of events that were
 * handed to the spool; a process kill loses nothing that reached write(), since the OS page
 * cache survives it. Precisely: append() returns only after write(2) put every accepted record
 * in the kernel's page cache (a SIGKILL test checks this with fsync disabled), and segments
 * written to are fsynced at most once per interval (a timer armed by the first write after a
 * sync; an idle spool never fsyncs) and on flush()/close(). So a process kill (SIGKILL, OOM
 * kill, uncaught exception) loses nothing appended, and a machine crash (power loss, kernel
 * panic) loses what was appended since the last completed fsync: one interval plus that
 * fsync's own duration. A new segment file also fsyncs its directory, so a power loss cannot
 * drop a whole segment's directory entry.
 *
 * Delivery. The drainer calls oldest(), produces every record of the segment, and calls
 * remove() only after all of them were acknowledged. A crash in between replays the whole
 * segment on restart: delivery is at-least-once, and downstream deduplicates by request_id.
 *
 * Recovery. open() never appends after an existing segment's tail, which may be torn: it
 * validates every segment (length + CRC per record), truncates each at its first damaged
 * record (counted in corruptRecords, logged with the discarded bytes; records after the damage
 * in that segment are lost, since a bad length would misframe them), and appends to a new
 * segment.
 *
 * One process per directory: two spools sharing one would truncate and replay each other's
 * segments.
 */
export class DiskSpool {
  private readonly segmentList: Segment[] = [];
  private active: Segment | null = null;
  private nextId = 1;
  private totalBytes = 0;
  private pendingRecords = 0;
  private damagedRecords = 0;
  private discardedBytes = 0;
  /** A segment file was created since the last sync round. */
  private dirDirty = false;
  private timer: NodeJS.Timeout | null = null;
  /** Sync rounds and fd closes run one at a time, so an fd is never closed under an fsync. */
  private serialTail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number;
  private readonly log: SpoolLog;

  private constructor(
    private readonly dir: string,
    opts: DiskSpoolOptions,
  ) {
    this.maxBytes = opts.maxBytes;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.fsyncIntervalMs = opts.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS;
    this.log = opts.log ?? stderrLog;
  }

  static async open(dir: string, opts: DiskSpoolOptions): Promise<DiskSpool> {
    assertPositive('maxBytes', opts.maxBytes);
    if (opts.segmentBytes !== undefined) assertPositive('segmentBytes', opts.segmentBytes);
    if (opts.fsyncIntervalMs !== undefined && !(opts.fsyncIntervalMs >= 0)) {
      throw new RangeError(`disk spool: fsyncIntervalMs must be >= 0, got ${opts.fsyncIntervalMs}`);
    }
    // Events carry prompts and completions: owner-only directory and files.
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    const spool = new DiskSpool(dir, opts);
    const ids = (await fs.promises.readdir(dir))
      .map(segmentIdOf)
      .filter((id): id is number => id !== null)
      .sort((a, b) => a - b);
    for (const id of ids) await spool.recover(id);
    spool.nextId = (ids.at(-1) ?? 0) + 1;
    return spool;
  }

  /** Bytes of all segment files (the quantity maxBytes caps). */
  get bytes(): number {
    return this.totalBytes;
  }

  get segments(): number {
    return this.segmentList.length;
  }

  /** Records not yet removed, including those of a segment being drained. */
  get records(): number {
    return this.pendingRecords;
  }

  /** Damaged records found by open() or read(): each one ended its segment's readable data. */
  get corruptRecords(): number {
    return this.damagedRecords;
  }

  /** Bytes discarded after damaged records. */
  get corruptBytes(): number {
    return this.discardedBytes;
  }

  /**
   * Spools payloads in order. Stops at the first payload that would take the spool past
   * maxBytes or that the disk refuses; it and every later payload are rejected, so what is
   * spooled is always a prefix and the caller's drop/503 policy applies to the rest.
   * Throws only on caller bugs (an empty or oversized payload), before writing anything.
   */
  append(payloads: readonly Buffer[]): AppendResult {
    for (const payload of payloads) {
      if (payload.length === 0 || payload.length > MAX_PAYLOAD_BYTES) {
        throw new RangeError(`disk spool: a payload must be 1..${MAX_PAYLOAD_BYTES} bytes, got ${payload.length}`);
      }
    }
    const count = payloads.length;
    if (this.closing) return { written: 0, rejected: count, error: new Error('disk spool: closed') };
    let written = 0;
    try {
      while (written < count) {
        const first = recordBytes(payloads[written]!);
        if (this.totalBytes + first > this.maxBytes) break;
        const segment = this.segmentWithRoomFor(first);
        // Extend the run while records fit both the cap and the segment: one write per run.
        let end = written + 1;
        let runBytes = first;
        while (end < count) {
          const next = recordBytes(payloads[end]!);
          if (this.totalBytes + runBytes + next > this.maxBytes) break;
          if (segment.bytes + runBytes + next > this.segmentBytes) break;
          runBytes += next;
          end++;
        }
        this.writeRun(segment, encodeRecords(payloads, written, end, runBytes), end - written);
        written = end;
      }
    } catch (err) {
      return { written, rejected: count - written, error: err instanceof Error ? err : new Error(String(err)) };
    }
    return { written, rejected: count - written };
  }

  /**
   * The oldest segment with records, or null when the spool is empty. Seals the active
   * segment when it is the oldest, so everything spooled so far can be drained; later appends
   * go to a new segment. Call remove() with it once every record was acknowledged.
   */
  async oldest(): Promise<SpoolSegment | null> {
    for (;;) {
      const first = this.segmentList[0];
      if (!first) return null;
      // Only a segment whose first write failed can be empty; it has nothing to drain.
      if (first.records === 0) {
        await this.remove(first);
        continue;
      }
      if (first === this.active) this.seal(first);
      return first;
    }
  }

  /** Deletes a drained segment. Idempotent; only sealed segments (from oldest()) qualify. */
  async remove(segment: SpoolSegment): Promise<void> {
    const index = this.segmentList.indexOf(segment as Segment);
    if (index === -1) return;
    const target = this.segmentList[index]!;
    if (!target.sealed) throw new Error(`disk spool: segment ${target.id} is still being appended to`);
    this.segmentList.splice(index, 1);
    this.totalBytes -= target.bytes;
    this.pendingRecords -= target.records;
    await this.serial(async () => {
      if (target.fd !== null) closeFd(target);
    });
    await fs.promises.unlink(target.file);
  }

  /** fsyncs every segment written since the last sync. Rejects if an fsync failed. */
  flush(): Promise<void> {
    return this.serial(() => this.syncRound());
  }

  /** Seals the active segment, fsyncs and closes every fd. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.active) this.seal(this.active);
    // After seal(), which arms the timer: the flush below does its work now.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private segmentWithRoomFor(bytes: number): Segment {
    const active = this.active;
    // An oversized record still gets a segment of its own rather than being unspoolable.
    if (active && active.bytes > 0 && active.bytes + bytes > this.segmentBytes) this.seal(active);
    return this.active ?? this.createSegment();
  }

  private createSegment(): Segment {
    const id = this.nextId++;
    const file = path.join(this.dir, segmentFileName(id));
    // 'wx': a fresh file, never an existing (possibly torn) one.
    const segment = new Segment(id, file, fs.openSync(file, 'wx', 0o600), (s) => this.readSegment(s));
    this.segmentList.push(segment);
    this.active = segment;
    this.dirDirty = true;
    return segment;
  }

  private writeRun(segment: Segment, data: Buffer, records: number): void {
    try {
      writeAll(segment.fd!, data);
    } catch (err) {
      this.abandon(segment);
      throw err;
    }
    segment.bytes += data.length;
    segment.records += records;
    segment.dirty = true;
    this.totalBytes += data.length;
    this.pendingRecords += records;
    this.armSyncTimer();
  }

  /**
   * After a failed (possibly partial) write, cut the file back to its last whole record and
   * stop appending to it. If even the truncate fails, reads stop at segment.bytes anyway and
   * open() would discard the torn tail.
   */
  private abandon(segment: Segment): void {
    try {
      fs.ftruncateSync(segment.fd!, segment.bytes);
    } catch {
      // See above: the torn tail is unreachable either way.
    }
    this.seal(segment);
  }

  private seal(segment: Segment): void {
    segment.sealed = true;
    if (this.active === segment) this.active = null;
    // The next sync round closes its fd.
    this.armSyncTimer();
  }

  private armSyncTimer(): void {
    if (this.timer || this.closing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((err: unknown) => {
        this.log.error({ err, dir: this.dir }, 'disk spool: fsync failed; events spooled since the last fsync may not survive a power loss');
      });
    }, this.fsyncIntervalMs);
    // Pending durability must not keep the process alive: the page cache outlives the process.
    this.timer.unref();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serialTail.then(task);
    this.serialTail = run.catch(() => undefined);
    return run;
  }

  /** One group fsync: the directory if a segment was created, then every dirty segment. */
  private async syncRound(): Promise<void> {
    let failure: unknown = null;
    if (this.dirDirty) {
      this.dirDirty = false;
      try {
        await fsyncDir(this.dir);
      } catch (err) {
        failure ??= err;
      }
    }
    for (const segment of [...this.segmentList]) {
      if (segment.fd === null) continue;
      if (segment.dirty) {
        // Cleared before the fsync: a write landing during it marks the segment dirty again.
        segment.dirty = false;
        try {
          await fsyncFd(segment.fd);
        } catch (err) {
          failure ??= err;
        }
      }
      if (segment.sealed && !segment.dirty) closeFd(segment);
    }
    if (failure !== null) throw failure;
  }

  private async recover(id: number): Promise<void> {
    const file = path.join(this.dir, segmentFileName(id));
    const data = await fs.promises.readFile(file);
    const { records, validBytes, damaged } = parseRecords(data);
    if (damaged) {
      this.damagedRecords++;
      this.discardedBytes += data.length - validBytes;
      this.log.error(
        { segment: file, keptRecords: records.length, discardedBytes: data.length - validBytes },
        'disk spool: torn or corrupt record found at startup; the rest of that segment is lost',
      );
      // Truncated so that the next restart does not count the same damage again.
      await fs.promises.truncate(file, validBytes);
    }
    if (records.length === 0) {
      await fs.promises.unlink(file);
      return;
    }
    const segment = new Segment(id, file, null, (s) => this.readSegment(s));
    segment.bytes = validBytes;
    segment.records = records.length;
    segment.sealed = true;
    this.segmentList.push(segment);
    this.totalBytes += validBytes;
    this.pendingRecords += records.length;
  }

  private async readSegment(segment: Segment): Promise<Buffer[]> {
    const data = await fs.promises.readFile(segment.file);
    const { records, damaged } = parseRecords(data.subarray(0, segment.bytes));
    if ((damaged || records.length !== segment.records) && !segment.damageReported) {
      segment.damageReported = true;
      // Damaged after it was written (disk or outside interference): report, drain the rest.
      this.damagedRecords++;
      this.discardedBytes += segment.bytes - records.reduce((sum, r) => sum + recordBytes(r), 0);
      this.log.error(
        { segment: segment.file, expectedRecords: segment.records, readableRecords: records.length },
        'disk spool: segment damaged on disk; unreadable records are lost',
      );
    }
    return records;
  }
}

function assertPositive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`disk spool: ${name} must be a positive integer, got ${value}`);
  }
}

/** write(2) may write less than asked (e.g. a disk filling up); loop until done or it throws. */
function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    const n = fs.writeSync(fd, data, offset, data.length - offset);
    if (n <= 0) throw new Error('disk spool: write made no progress');
    offset += n;
  }
}

/** Called through the `fs` object at call time (not promisified once) so tests can spy on it. */
function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function closeFd(segment: Segment): void {
  const fd = segment.fd!;
  segment.fd = null;
  fs.closeSync(fd);
}
