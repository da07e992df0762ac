import fs from 'node:fs';
import path from 'node:path';
import { MAX_PAYLOAD_BYTES, RECORD_HEADER_BYTES, encodeRecords, frameInPlace, recordBytes, segmentFileName, segmentIdOf } from './segment-format.ts';
import { readCursorSegment, type SpoolPosition } from './spool-cursor.ts';
import { WriterLock } from './writer-lock.ts';
import { ensurePrivateDir } from './private-dir.ts';

/** The slice of a pino/Fastify logger the spool reports failures to. */
export interface SpoolLog {
  error(obj: object, msg: string): void;
}

export interface SpoolWriterOptions {
  /** Hard cap on the bytes of all segment files; appends past it are rejected. */
  maxBytes: number;
  /** A segment is closed once the next record would take it past this size. Default 16 MiB. */
  segmentBytes?: number;
  /** Group fsync period: the most a crash of the machine can lose. Default 200 ms. */
  fsyncIntervalMs?: number;
  /** Defaults to stderr: failures must never go unreported. */
  log?: SpoolLog;
}

export type AppendResult = { ok: true } | { ok: false; reason: 'spool_full' | 'spool_write_failed' | 'closed' | 'spool_taken_over'; error?: Error };

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
const DEFAULT_FSYNC_INTERVAL_MS = 200;
/** How often a full spool looks again at what the reader has deleted. */
const FULL_RECHECK_MS = 100;
/** How often a spool that is not full re-reads its size from disk (the reader deletes segments). */
const RESCAN_MS = 1000;
/** appendText's reused memory grows up to this; a longer text is framed in memory of its own. */
const SCRATCH_MAX_BYTES = 1024 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit (4 for a pair of them). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

const stderrLog: SpoolLog = { error: (obj, msg) => console.error(`periscope: ${msg}`, obj) };

/**
 * The write half of the event spool: the gateway appends each event here, synchronously, before
 * the last byte of its answer goes out, and a reader in another process or thread (SpoolReader)
 * moves the records on. This is the durable buffer of the single event path.
 *
 * Durability. append() returns after write(2) put the record in the kernel's page cache, so a
 * process crash (SIGKILL, OOM kill) loses nothing appended; segments are fsynced at most once
 * per interval, so a machine crash (power loss, kernel panic) loses at most the records
 * appended since the last completed fsync: one interval plus that fsync's own duration.
 *
 * Layout. Segment files named by increasing ids; only the newest is written to, so a segment
 * with a newer one beside it is final: the reader may consume it to its end and delete it.
 * A restarted writer never appends to an existing segment (its tail may be torn): it starts
 * a new one whose id is above every id the directory or the reader's cursor has seen and
 * above the current time in microseconds, so ids (and the dedup tokens made of them) are
 * never reused, even after the reader deleted every segment.
 *
 * One writer per directory (the gateway process); the reader deletes what it consumed.
 */
export class SpoolWriter {
  private fd: number | null = null;
  private segmentId = 0;
  private segmentSize = 0;
  private nextId: number;
  /** Bytes of all segments: from the last scan of the directory plus what was appended since. */
  private totalBytes: number;
  private lastScan = Date.now();
  /** Size of the last record refused for space; 0 once one fits again. */
  private refusedSize = 0;
  private dirty = false;
  private dirDirty = false;
  private closed = false;
  /** Another writer took the directory over: nothing more is appended here. */
  private lockLost = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private readonly scanTimer: NodeJS.Timeout;
  /** Fds of closed segments waiting for their last fsync. */
  private readonly retired: number[] = [];
  private serialTail: Promise<unknown> = Promise.resolve();
  /** Where appendText frames a record: written out before append returns, so reused by the next. */
  private scratch = Buffer.allocUnsafe(16 * 1024);
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number;
  private readonly log: SpoolLog;

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    opts: SpoolWriterOptions,
    nextId: number,
    bytes: number,
    private readonly lock: WriterLock,
  ) {
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.fsyncIntervalMs = opts.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS;
    this.log = opts.log ?? stderrLog;
    this.nextId = nextId;
    this.totalBytes = bytes;
    this.scanTimer = setInterval(() => {
      this.rescan();
      this.heartbeat();
    }, RESCAN_MS);
    this.scanTimer.unref();
  }

  static async open(dir: string, opts: SpoolWriterOptions): Promise<SpoolWriter> {
    assertPositive('maxBytes', opts.maxBytes);
    if (opts.segmentBytes !== undefined) assertPositive('segmentBytes', opts.segmentBytes);
    if (opts.fsyncIntervalMs !== undefined && !(opts.fsyncIntervalMs >= 0)) {
      throw new RangeError(`spool: fsyncIntervalMs must be >= 0, got ${opts.fsyncIntervalMs}`);
    }
    // Events carry prompts and completions: owner-only directory and files.
    ensurePrivateDir(dir, { label: 'the spool directory' });
    // Before anything else: a second writer must not even start a segment here.
    const lock = await WriterLock.acquire(dir);
    const { maxId, bytes } = scanSegments(dir);
    const floor = Math.max(maxId, (await readCursorSegment(dir)) ?? 0, Date.now() * 1000);
    return new SpoolWriter(dir, opts.maxBytes, opts, floor + 1, bytes, lock);
  }

  /** Bytes of all segment files, as of the last look at the directory plus appends since. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Where the next record will go: everything before it was appended (compare with SpoolReader.position). */
  get position(): SpoolPosition {
    return { segment: this.segmentId, offset: this.segmentSize };
  }

  /**
   * Whether the spool refused a record for space and the reader has not freed room for it since
   * (the fail-calls policy asks before each call).
   */
  get full(): boolean {
    if (this.refusedSize === 0) return false;
    this.maybeRescan();
    if (this.totalBytes + this.refusedSize <= this.maxBytes) this.refusedSize = 0;
    return this.refusedSize > 0;
  }

  /**
   * Appends one record with a single write(2). Never throws for the disk: a full spool or a
   * failed write is reported in the result, for the caller's drop or refuse policy.
   */
  append(payload: Buffer): AppendResult {
    assertPayloadBytes(payload.length);
    if (this.closed) return { ok: false, reason: 'closed' };
    if (this.lockLost) return { ok: false, reason: 'spool_taken_over' };
    return this.appendRecord(encodeRecords([payload], 0, 1, recordBytes(payload)));
  }

  /**
   * append() of the text's UTF-8 bytes, the same record on disk, but encoded straight into memory
   * the writer reuses: no buffer per call for the payload nor for its record (a 1.8 KB event on a
   * cold core: 2.4-2.7 against 5.3-6.2 µs; docs/benchmarks.md "Profiles").
   */
  appendText(text: string): AppendResult {
    if (this.closed) return { ok: false, reason: 'closed' };
    if (this.lockLost) return { ok: false, reason: 'spool_taken_over' };
    const most = RECORD_HEADER_BYTES + MAX_UTF8_BYTES_PER_UNIT * text.length;
    let into = this.scratch;
    if (most > into.length) {
      into = most <= SCRATCH_MAX_BYTES
        ? (this.scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, Math.max(most, 2 * into.length))))
        : Buffer.allocUnsafe(RECORD_HEADER_BYTES + Buffer.byteLength(text));
    }
    const payloadBytes = into.write(text, RECORD_HEADER_BYTES, 'utf8');
    assertPayloadBytes(payloadBytes);
    return this.appendRecord(frameInPlace(into, payloadBytes));
  }

  /** Writes one framed record with a single write(2), if the spool has room for it. */
  private appendRecord(record: Buffer): AppendResult {
    const size = record.length;
    if (this.totalBytes + size > this.maxBytes) {
      this.maybeRescan();
      if (this.totalBytes + size > this.maxBytes) {
        this.refusedSize = size;
        return { ok: false, reason: 'spool_full' };
      }
    }
    this.refusedSize = 0;
    try {
      if (this.fd === null || (this.segmentSize > 0 && this.segmentSize + size > this.segmentBytes)) this.startSegment();
      writeAll(this.fd!, record);
    } catch (err) {
      this.abandonSegment();
      return { ok: false, reason: 'spool_write_failed', error: err instanceof Error ? err : new Error(String(err)) };
    }
    this.segmentSize += size;
    this.totalBytes += size;
    this.dirty = true;
    this.armSync();
    return { ok: true };
  }

  /** fsyncs what was written since the last sync. Rejects if an fsync failed. */
  flush(): Promise<void> {
    return this.serial(() => this.syncRound());
  }

  /** Stops appending, fsyncs and closes every fd. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return this.serial(async () => undefined);
    this.closed = true;
    clearInterval(this.scanTimer);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    if (this.fd !== null) this.retired.push(this.fd);
    this.fd = null;
    try {
      await this.flush();
    } finally {
      this.lock.release();
    }
  }

  private startSegment(): void {
    if (this.fd !== null) this.retired.push(this.fd);
    this.fd = null;
    const id = this.nextId++;
    // 'wx': always a new file, never an existing (possibly torn) one.
    this.fd = fs.openSync(path.join(this.dir, segmentFileName(id)), 'wx', 0o600);
    this.segmentId = id;
    this.segmentSize = 0;
    this.dirDirty = true;
  }

  /**
   * After a failed (possibly partial) write, cut the file back to its last whole record and
   * move on to a new segment. If even the truncate fails, the reader finds a torn record at
   * the end of a final segment, counts it and skips it.
   */
  private abandonSegment(): void {
    if (this.fd === null) return;
    try {
      fs.ftruncateSync(this.fd, this.segmentSize);
    } catch {
      // See above.
    }
    this.retired.push(this.fd);
    this.fd = null;
    this.armSync();
  }

  private maybeRescan(): void {
    if (Date.now() - this.lastScan >= FULL_RECHECK_MS) this.rescan();
  }

  /** The reader deletes segments it finished: the directory, not our count, says what is left. */
  private heartbeat(): void {
    if (this.lockLost) return;
    try {
      if (this.lock.refresh()) return;
    } catch (err) {
      this.log.error({ err, dir: this.dir }, 'spool: cannot refresh the writer lock');
      return;
    }
    // Appending on would put events where the other writer's reader may never look.
    this.lockLost = true;
    this.log.error({ dir: this.dir }, 'spool: another gateway took this spool directory over (it judged this one gone); events are dropped, counted as spool_taken_over, until this gateway restarts: give each gateway a data directory of its own');
  }

  private rescan(): void {
    this.lastScan = Date.now();
    try {
      this.totalBytes = scanSegments(this.dir).bytes;
    } catch (err) {
      this.log.error({ err, dir: this.dir }, 'spool: cannot list the spool directory');
    }
  }

  private armSync(): void {
    if (this.syncTimer || this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.flush().catch((err: unknown) => {
        this.log.error({ err, dir: this.dir }, 'spool: fsync failed; events spooled since the last fsync may not survive a power loss');
      });
    }, this.fsyncIntervalMs);
    // Pending durability must not keep the process alive: the page cache outlives the process.
    this.syncTimer.unref();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serialTail.then(task);
    this.serialTail = run.catch(() => undefined);
    return run;
  }

  /** One group fsync: the directory if a segment was created, the current segment, then closed ones (and close them). */
  private async syncRound(): Promise<void> {
    let failure: unknown = null;
    const attempt = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch (err) {
        failure ??= err;
      }
    };
    if (this.dirDirty) {
      this.dirDirty = false;
      await attempt(() => fsyncDir(this.dir));
    }
    const current = this.fd;
    if (current !== null && this.dirty) {
      // Cleared before the fsync: a write landing during it marks the segment dirty again.
      this.dirty = false;
      await attempt(() => fsyncFd(current));
    }
    for (const fd of this.retired.splice(0)) {
      await attempt(() => fsyncFd(fd));
      fs.closeSync(fd);
    }
    if (failure !== null) throw failure;
  }
}

/** The highest segment id in `dir` and the bytes of all its segments. */
export function scanSegments(dir: string): { maxId: number; bytes: number } {
  let maxId = 0;
  let bytes = 0;
  for (const name of fs.readdirSync(dir)) {
    const id = segmentIdOf(name);
    if (id === null) continue;
    maxId = Math.max(maxId, id);
    try {
      bytes += fs.statSync(path.join(dir, name)).size;
    } catch {
      // Deleted by the reader between the listing and the stat.
    }
  }
  return { maxId, bytes };
}

function assertPayloadBytes(bytes: number): void {
  if (bytes === 0 || bytes > MAX_PAYLOAD_BYTES) throw new RangeError(`spool: a payload must be 1..${MAX_PAYLOAD_BYTES} bytes, got ${bytes}`);
}

function assertPositive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`spool: ${name} must be a positive integer, got ${value}`);
}

/** write(2) may write less than asked (e.g. a disk filling up); loop until done or it throws. */
function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    const n = fs.writeSync(fd, data, offset, data.length - offset);
    if (n <= 0) throw new Error('spool: write made no progress');
    offset += n;
  }
}

/** Called through the `fs` object at call time (not promisified once) so tests can spy on it. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export async function fsyncDir(dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}
