import { gzip, unzip, type ZlibOptions } from 'node:zlib';
import { promisify } from 'node:util';
// A default import: Node's named exports of a CommonJS module miss these two.
import kafkajs from 'kafkajs';

const gzipAsync = promisify(gzip) as (buf: Buffer, options: ZlibOptions) => Promise<Buffer>;
/**
 * zlib's fastest level, not its default 6. The shipper compresses every event on the gateway's
 * machine: for events carrying 150 KB of source code (an agent's request), level 1 ran at 82 MB/s
 * and level 6 at 34 MB/s (4.6 against 2 ms of CPU per event), for 13 % more bytes (2.7 against
 * 3.1 times smaller); batches of 500 small events compressed twice as fast, equally small
 * (docs/benchmarks.md, "Large requests").
 */
const GZIP_LEVEL = 1;
const unzipAsync = promisify(unzip) as (buf: Buffer, options: ZlibOptions) => Promise<Buffer>;

/** Node's default output chunk, kept for input whose size is not known. */
const DEFAULT_CHUNK = 16 * 1024;
/**
 * The largest output buffer taken at once from a gzip trailer. A fetch holds at most 1 MiB of
 * compressed batch per partition (ingest/src/kafka/event-consumer.ts), which our events inflate
 * to about 40 MB; a trailer that claims more (corrupt, or hostile) costs at most this much
 * before decompression goes on in chunks as before.
 */
const MAX_CHUNK = 128 * 1024 * 1024;
/** Deflate's best ratio: no input inflates to more than about 1,032 times its size. */
const MAX_RATIO = 1032;
/** A result this much smaller than its buffer is copied out, so that it does not keep the buffer alive. */
const SLACK = 64 * 1024;

/**
 * The output size a gzip member announces in its last 4 bytes (ISIZE, RFC 1952), or undefined
 * when the bytes are not gzip. With several members it is the last member's: only a hint.
 */
function announcedSize(buf: Buffer): number | undefined {
  if (buf.length < 18 || buf[0] !== 0x1f || buf[1] !== 0x8b) return undefined;
  return buf.readUInt32LE(buf.length - 4);
}

/**
 * Decompresses a batch into one buffer of the size its trailer announces. kafkajs's own codec
 * inflates with Node's default 16 KiB output chunks: one round trip between the main thread and
 * libuv's pool per 16 KiB, then a copy of all of them into one buffer. For a 1 MiB batch of
 * events (34 MB of JSON) that took 440 ms against 56 ms this way, most of it on the main thread,
 * where the ingest also checks events. A wrong hint only changes the chunking, never the bytes.
 */
export async function decompressBatch(buf: Buffer): Promise<Buffer> {
  const size = announcedSize(buf);
  // + 64: room to spare, so that zlib reports the end of the stream without a second buffer.
  // Bounded by what the input can inflate to: zlib ignores bytes after the stream, so a batch
  // can end in a forged size and still decompress.
  const chunkSize = size === undefined ? DEFAULT_CHUNK : Math.min(Math.max(size + 64, DEFAULT_CHUNK), MAX_CHUNK, Math.max(DEFAULT_CHUNK, buf.length * MAX_RATIO));
  // unzip, as kafkajs's codec: other producers' zlib-wrapped batches decompress too.
  const out = await unzipAsync(buf, { chunkSize });
  // The records are slices of the result, which would otherwise hold an oversized buffer for
  // as long as their batch is handled.
  return out.buffer.byteLength > out.length + SLACK ? Buffer.from(out) : out;
}

const codec = {
  compress: async (encoder: { buffer: Buffer }): Promise<Buffer> => gzipAsync(encoder.buffer, { level: GZIP_LEVEL }),
  decompress: decompressBatch,
};

/** Makes kafkajs (every client in this process) use decompressBatch for GZIP batches. Idempotent. */
export function useSizedGzipCodec(): void {
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.GZIP] = () => codec;
}
