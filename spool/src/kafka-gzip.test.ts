import { createHook } from 'node:async_hooks';
import { promisify } from 'node:util';
import { deflateSync, gzipSync, unzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { decompressBatch, useSizedGzipCodec } from './kafka-gzip.ts';

/** About 20 MB of event-like JSON lines: compresses about as well as a batch of real events. */
function eventLines(n: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ request_id: `req-${i}`, model: 'gpt-4o-mini', request_body: `{"messages":[{"role":"user","content":"${'hello '.repeat(300)}${i}"}]}` }));
  return Buffer.from(lines.join('\n'));
}

/** How many times zlib called back into JavaScript while `work` ran (one per output chunk). */
async function zlibCallbacks(work: () => Promise<Buffer>): Promise<{ out: Buffer; callbacks: number }> {
  const ids = new Set<number>();
  let callbacks = 0;
  const hook = createHook({
    init: (id, type) => void (type === 'ZLIB' && ids.add(id)),
    before: (id) => void (ids.has(id) && callbacks++),
  });
  hook.enable();
  try {
    return { out: await work(), callbacks };
  } finally {
    hook.disable();
  }
}

describe('the GZIP codec kafkajs uses for Periscope (kafka-gzip.ts)', () => {
  it('gives back exactly the bytes, inflated in one piece: not one main-thread callback per 16 KiB', async () => {
    const raw = eventLines(10_000);
    const gz = gzipSync(raw);
    const ours = await zlibCallbacks(() => decompressBatch(gz));
    expect(ours.out.equals(raw)).toBe(true);
    expect(ours.callbacks).toBeLessThanOrEqual(2);
    // What kafkajs's own codec costs for the same batch, so that the count above means something.
    const theirs = await zlibCallbacks(() => promisify(unzip)(gz));
    expect(theirs.out.equals(raw)).toBe(true);
    expect(theirs.callbacks).toBeGreaterThan(raw.length / (16 * 1024) - 2);
  });

  it('takes what the trailer cannot describe: several gzip members, a zlib stream, empty input', async () => {
    const [a, b] = [eventLines(300), Buffer.from('tail')];
    // The trailer is the last member's: a 4-byte size hint for 1 MB of output.
    expect((await decompressBatch(Buffer.concat([gzipSync(a), gzipSync(b)]))).equals(Buffer.concat([a, b]))).toBe(true);
    // A large last member: the output outgrows the first buffer, and the pieces are joined.
    const c = eventLines(400);
    expect((await decompressBatch(Buffer.concat([gzipSync(a), gzipSync(c)]))).equals(Buffer.concat([a, c]))).toBe(true);
    expect((await decompressBatch(deflateSync(a))).equals(a)).toBe(true);
    expect((await decompressBatch(gzipSync(Buffer.alloc(0)))).length).toBe(0);
  });

  it('is not misled by a trailer that lies about the size', async () => {
    const raw = eventLines(2_000);
    const gz = gzipSync(raw);
    for (const claimed of [0, 1, 0xffffffff]) {
      const forged = Buffer.from(gz);
      forged.writeUInt32LE(claimed, forged.length - 4);
      // zlib checks ISIZE only for what it announces: a forged one fails like any corrupt batch.
      await expect(decompressBatch(forged)).rejects.toThrow(/incorrect length|unexpected end|invalid/i);
    }
  });

  it('compresses at zlib\'s fastest level, and what it writes any gzip reader inflates', async () => {
    useSizedGzipCodec();
    const codec = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.GZIP]!() as { compress(e: { buffer: Buffer }): Promise<Buffer> };
    const raw = eventLines(2_000);
    const gz = await codec.compress({ buffer: raw });
    expect(gz.equals(gzipSync(raw, { level: 1 }))).toBe(true);
    expect(gz.equals(gzipSync(raw))).toBe(false);
    expect((await promisify(unzip)(gz)).equals(raw)).toBe(true);
  });

  it('does not keep a large buffer for a small batch that ends in a forged size', async () => {
    // zlib ignores what follows the stream when it starts with a zero byte: the batch
    // decompresses, and its last 4 bytes claim 128 MiB.
    const padded = Buffer.concat([gzipSync(Buffer.from('x')), Buffer.from([0x00, 0xc0, 0xff, 0xff, 0x07])]);
    const out = await decompressBatch(padded);
    expect(out.toString()).toBe('x');
    expect(out.buffer.byteLength).toBeLessThan(1024 * 1024);
    // A larger input may claim more, but the result is copied out of what it did not fill.
    const raw = eventLines(50);
    const claimsMore = Buffer.concat([gzipSync(raw), Buffer.from([0x00, 0xc0, 0xff, 0xff, 0x07])]);
    const big = await decompressBatch(claimsMore);
    expect(big.equals(raw)).toBe(true);
    expect(big.buffer.byteLength).toBeLessThan(raw.length + 64 * 1024);
  });

  it('rejects corrupt input instead of returning part of it', async () => {
    const gz = gzipSync(eventLines(500));
    await expect(decompressBatch(gz.subarray(0, gz.length - 100))).rejects.toThrow();
    await expect(decompressBatch(Buffer.from('not gzip at all, not zlib either'))).rejects.toThrow();
  });

  it('is what kafkajs looks up for GZIP once registered', async () => {
    useSizedGzipCodec();
    const codec = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.GZIP]() as { compress: (e: { buffer: Buffer }) => Promise<Buffer>; decompress: (b: Buffer) => Promise<Buffer> };
    expect(codec.decompress).toBe(decompressBatch);
    const raw = eventLines(100);
    expect((await codec.decompress(await codec.compress({ buffer: raw }))).equals(raw)).toBe(true);
  });
});
