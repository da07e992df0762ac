import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { RECORD_HEADER_BYTES, segmentFileName, segmentIdOf } from './segment-format.ts';
import { readCursor, writeCursor, type SpoolCursor, type SpoolPosition } from './spool-cursor.ts';
import type { SpoolLog } from './spool-writer.ts';
import { ensurePrivateDir } from './private-dir.ts';

/** Records of one segment, in order, between two byte offsets. */
export interface SpoolBatch {
  readonly segment: number;
  readonly from: number;
  readonly to: number;
  readonly records: Buffer[];
  /** Stable for these exact records, also when they are read again after a crash. */
  readonly token: string;
  /** What the consumer noted with begin() before a crash, when the batch is read again. */
  readonly note?: string;
  /** Read again because a consumer began it (begin()) and never committed it: a crash, or a stop. */
  readonly resumed?: true;
  /**
   * Read again from the start of the spool because the cursor was damaged: its records may have
   * been handed on already (check them against the destination, or mark them as resent).
   */
  readonly replayed?: true;
}

export interface SpoolReaderOptions {
  log?: SpoolLog;
  /** Told of each damaged record skipped, with the bytes discarded after it. */
  onDamage?: (discardedBytes: number) => void;
}

const stderrLog: SpoolLog = { error: (obj, msg) => console.error(`periscope: ${msg}`, obj) };

type Parsed = { records: Buffer[]; bytes: number; stop: 'limit' | 'end' | 'incomplete' | 'damaged'; need?: number };

/**
 * The read half of the event spool (see SpoolWriter), in whichever process or thread moves
 * events on: the store process of `periscope start`, or the proxy's Kafka shipper. It tails
 * the segments oldest first, including the one the writer is still appending to, and deletes
 * a segment once it has consumed all of it and a newer one exists.
 *
 * Exactly-once hand-over: begin(batch) records the batch as in flight, commit(batch) moves the
 * cursor past it. A reader restarted between the two gets exactly that batch again, with the
 * same token, so a consumer that passes the token to ClickHouse as insert_deduplication_token
 * stores it once.
 *
 * Damage: a record that is torn or fails its CRC at the end of a final segment (a machine
 * crash, a failed write) ends that segment's readable data; it is counted, logged and skipped.
 * In the segment still being written the same bytes may be a write in progress, so the reader
 * waits for them instead.
 */
export class SpoolReader {
  private fd: number | null = null;
  private fdSegment = -1;

  /** With a damaged cursor: where the spool ended at open; batches before it are `replayed`. */
  private replayUntil: SpoolPosition | undefined;

  private constructor(
    private readonly dir: string,
    private cursor: SpoolCursor,
    private readonly log: SpoolLog,
    private readonly onDamage: (discardedBytes: number) => void,
  ) {}

  static async open(dir: string, opts: SpoolReaderOptions = {}): Promise<SpoolReader> {
    ensurePrivateDir(dir, { label: 'the spool directory' });
    const log = opts.log ?? stderrLog;
    let cursor: SpoolCursor | null;
    let damaged = false;
    try {
      cursor = await readCursor(dir);
    } catch (err) {
      // Rather than never reading again: from the oldest segment, everything there at open
      // handed on as possibly delivered already.
      log.error({ err, dir }, 'spool: the cursor is damaged; reading the spool again from its oldest segment (the consumer checks or marks what it may have had)');
      cursor = null;
      damaged = true;
    }
    const reader = new SpoolReader(dir, cursor ?? { segment: 0, offset: 0 }, log, opts.onDamage ?? (() => {}));
    if (damaged) reader.replayUntil = reader.end();
    return reader;
  }

  /** Everything before this was acknowledged. */
  get position(): SpoolPosition {
    return { segment: this.cursor.segment, offset: this.cursor.offset };
  }

  /**
   * The next records after the cursor, at most `maxRecords` and about `maxBytes` (one larger
   * record is still returned alone), all from one segment; null when there is nothing new yet.
   */
  async read(maxRecords: number, maxBytes: number): Promise<SpoolBatch | null> {
    for (;;) {
      const ids = this.segmentIds();
      if (!this.atExistingSegment(ids)) return null;
      const { segment, offset } = this.cursor;
      const final = ids.at(-1)! > segment;
      const fd = this.open(segment);
      const size = fs.fstatSync(fd).size;
      const inflightTo = this.cursor.inflight?.to;
      if (offset >= size && inflightTo === undefined) {
        if (!final) return null;
        this.finishSegment(segment);
        continue;
      }
      const parsed = this.parse(fd, offset, inflightTo ?? size, inflightTo === undefined ? maxRecords : Number.MAX_SAFE_INTEGER, inflightTo === undefined ? maxBytes : inflightTo - offset);
      const complete = inflightTo === undefined || offset + parsed.bytes === inflightTo;
      if (parsed.records.length > 0 && complete) {
        const to = offset + parsed.bytes;
        const note = this.cursor.inflight?.note;
        const until = this.replayUntil;
        const replayed = until !== undefined && (segment < until.segment || (segment === until.segment && offset < until.offset));
        return {
          segment, from: offset, to, records: parsed.records, token: `${segment}:${offset}:${to}`,
          ...(note === undefined ? {} : { note }), ...(inflightTo === undefined ? {} : { resumed: true as const }),
          ...(replayed ? { replayed: true as const } : {}),
        };
      }
      if (!final && inflightTo === undefined) return null; // a write in progress, or nothing yet
      this.skipDamage(segment, offset, size, parsed.records.length);
    }
  }

  /**
   * Records `batch` as handed on: a reader restarted before commit() gets it again, same token,
   * with the last `note` given here (called again to change it).
   */
  async begin(batch: SpoolBatch, note?: string): Promise<void> {
    this.cursor = { segment: batch.segment, offset: batch.from, inflight: { to: batch.to, ...(note === undefined ? {} : { note }) } };
    await writeCursor(this.dir, this.cursor);
  }

  /** Acknowledges `batch`: the cursor moves past it. */
  async commit(batch: SpoolBatch): Promise<void> {
    this.cursor = { segment: batch.segment, offset: batch.to };
    await writeCursor(this.dir, this.cursor);
  }

  /** Bytes in the spool after the cursor. */
  backlogBytes(): number {
    let bytes = 0;
    for (const id of this.segmentIds()) {
      if (id < this.cursor.segment) continue;
      try {
        bytes += fs.statSync(this.file(id)).size - (id === this.cursor.segment ? this.cursor.offset : 0);
      } catch {
        // Deleted meanwhile.
      }
    }
    return Math.max(0, bytes);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.fdSegment = -1;
  }

  /** The end of the newest segment. */
  private end(): SpoolPosition {
    const newest = this.segmentIds().at(-1);
    if (newest === undefined) return { segment: 0, offset: 0 };
    try {
      return { segment: newest, offset: fs.statSync(this.file(newest)).size };
    } catch {
      return { segment: newest + 1, offset: 0 };
    }
  }

  private file(id: number): string {
    return path.join(this.dir, segmentFileName(id));
  }

  private segmentIds(): number[] {
    const ids: number[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const id = segmentIdOf(name);
      if (id !== null) ids.push(id);
    }
    return ids.sort((a, b) => a - b);
  }

  /**
   * Moves the cursor to the oldest segment at or after it when its own is gone (deleted once
   * finished, or never written); false when there is none.
   */
  private atExistingSegment(ids: number[]): boolean {
    if (ids.includes(this.cursor.segment)) return true;
    const next = ids.find((id) => id > this.cursor.segment);
    if (next === undefined) return false;
    this.cursor = { segment: next, offset: 0 };
    return true;
  }

  private open(segment: number): number {
    if (this.fdSegment !== segment) {
      this.close();
      this.fd = fs.openSync(this.file(segment), 'r');
      this.fdSegment = segment;
    }
    return this.fd!;
  }

  /** A final segment read to its end: delete it and go on with the next. */
  private finishSegment(segment: number): void {
    this.close();
    try {
      fs.unlinkSync(this.file(segment));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // In memory only: with its segment gone, a restarted reader starts at the next one anyway.
    this.cursor = { segment: segment + 1, offset: 0 };
  }

  private skipDamage(segment: number, offset: number, size: number, readable: number): void {
    this.onDamage(size - offset);
    this.log.error(
      { segment: this.file(segment), offset, discardedBytes: size - offset, readableBeforeDamage: readable },
      'spool: torn or corrupt record; the rest of that segment is lost',
    );
    this.cursor = { segment, offset: size };
  }

  /** Whole, CRC-checked records from `offset`, up to `end`, `maxRecords` and about `maxBytes`. */
  private parse(fd: number, offset: number, end: number, maxRecords: number, maxBytes: number): Parsed {
    let want = Math.min(end - offset, Math.max(maxBytes, RECORD_HEADER_BYTES));
    for (;;) {
      const data = Buffer.allocUnsafe(want);
      const got = fs.readSync(fd, data, 0, want, offset);
      const parsed = parseFrom(data.subarray(0, got), maxRecords);
      // The first record alone is larger than the window: read again with room for it.
      if (parsed.records.length === 0 && parsed.stop === 'incomplete' && parsed.need! > got && offset + parsed.need! <= end) {
        want = parsed.need!;
        continue;
      }
      return parsed;
    }
  }
}

/** Frames records (`[u32be length][u32be crc32][payload]`) from the start of `data`. */
function parseFrom(data: Buffer, maxRecords: number): Parsed {
  const records: Buffer[] = [];
  let at = 0;
  while (records.length < maxRecords) {
    if (data.length - at < RECORD_HEADER_BYTES) return { records, bytes: at, stop: at === data.length ? 'end' : 'incomplete', need: RECORD_HEADER_BYTES };
    const length = data.readUInt32BE(at);
    // A zero length is damage: a crash can leave a zero-filled tail (size persisted, data not).
    if (length === 0) return { records, bytes: at, stop: 'damaged' };
    const start = at + RECORD_HEADER_BYTES;
    if (length > data.length - start) return { records, bytes: at, stop: 'incomplete', need: RECORD_HEADER_BYTES + length };
    const payload = data.subarray(start, start + length);
    if (zlib.crc32(payload) !== data.readUInt32BE(at + 4)) return { records, bytes: at, stop: 'damaged' };
    records.push(payload);
    at = start + length;
  }
  return { records, bytes: at, stop: 'limit' };
}
