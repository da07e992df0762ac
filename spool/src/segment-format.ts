import zlib from 'node:zlib';

/**
 * On-disk format of one spool segment: records back to back, each
 * `[u32be payload length][u32be crc32(payload)][payload]`, nothing else (no file header, no
 * index), so a segment is valid up to its first damaged record and appending needs no seek.
 */
export const RECORD_HEADER_BYTES = 8;

/** u32 length field: the largest payload one record can frame. */
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;

const SEGMENT_NAME = /^(\d{20})\.seg$/;

/** Zero-padded so that sorting names sorts segments by creation order. */
export function segmentFileName(id: number): string {
  return `${String(id).padStart(20, '0')}.seg`;
}

/** The segment id of a file name, or null for files that are not segments. */
export function segmentIdOf(fileName: string): number | null {
  const match = SEGMENT_NAME.exec(fileName);
  return match ? Number(match[1]) : null;
}

export function recordBytes(payload: Buffer): number {
  return RECORD_HEADER_BYTES + payload.length;
}

/**
 * Frames in place the payload already written at `record[RECORD_HEADER_BYTES, RECORD_HEADER_BYTES +
 * payloadBytes)`: its header goes in front of it. Returns the record, a view of `record`.
 */
export function frameInPlace(record: Buffer, payloadBytes: number): Buffer {
  const end = RECORD_HEADER_BYTES + payloadBytes;
  record.writeUInt32BE(payloadBytes, 0);
  record.writeUInt32BE(zlib.crc32(record.subarray(RECORD_HEADER_BYTES, end)), 4);
  return record.subarray(0, end);
}

/** Frames payloads[start, end) into one buffer, so a run of records costs one write(). */
export function encodeRecords(payloads: readonly Buffer[], start: number, end: number, totalBytes: number): Buffer {
  const out = Buffer.allocUnsafe(totalBytes);
  let offset = 0;
  for (let i = start; i < end; i++) {
    const payload = payloads[i]!;
    out.writeUInt32BE(payload.length, offset);
    out.writeUInt32BE(zlib.crc32(payload), offset + 4);
    payload.copy(out, offset + RECORD_HEADER_BYTES);
    offset += RECORD_HEADER_BYTES + payload.length;
  }
  return out;
}

export interface ParsedSegment {
  /** Views into the input buffer, in write order. */
  records: Buffer[];
  /** Length of the readable prefix: everything from here on is discarded. */
  validBytes: number;
  /** True when bytes follow the readable prefix (a torn write or corruption). */
  damaged: boolean;
}

/**
 * Reads records up to the first one that is torn (length runs past the end) or corrupt (CRC
 * mismatch). Nothing after damage is trusted: a bad length field would misframe every later
 * record. A zero length is damage too: a crash can leave a zero-filled tail (the file size
 * was persisted, its data blocks were not), and 8 zero bytes would otherwise read as an empty
 * record with a matching CRC — which is why the spool refuses empty payloads.
 */
export function parseRecords(data: Buffer): ParsedSegment {
  const records: Buffer[] = [];
  let offset = 0;
  while (data.length - offset >= RECORD_HEADER_BYTES) {
    const length = data.readUInt32BE(offset);
    const start = offset + RECORD_HEADER_BYTES;
    if (length === 0 || length > data.length - start) break;
    const payload = data.subarray(start, start + length);
    if (zlib.crc32(payload) !== data.readUInt32BE(offset + 4)) break;
    records.push(payload);
    offset = start + length;
  }
  return { records, validBytes: offset, damaged: offset < data.length };
}
