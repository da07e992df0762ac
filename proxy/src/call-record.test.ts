import { describe, expect, it } from 'vitest';
import { BodyCapture } from './call-record.ts';

/** A small seeded generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('BodyCapture', () => {
  it('keeps exactly the first `limit` bytes of any chunking and counts them all (generated)', () => {
    const next = random(15);
    for (let run = 0; run < 2000; run++) {
      const limit = Math.floor(next() * 20_000);
      const chunks = Array.from({ length: Math.floor(next() * 30) }, () => {
        const bytes = Buffer.alloc(Math.floor(next() * (next() < 0.2 ? 9000 : 400)));
        for (let i = 0; i < bytes.length; i++) bytes[i] = 0x20 + Math.floor(next() * 90);
        return bytes;
      });
      const capture = new BodyCapture(limit);
      for (const chunk of chunks) capture.add(chunk);
      const whole = Buffer.concat(chunks);
      expect(capture.total).toBe(whole.length);
      expect(capture.complete).toBe(whole.length <= limit);
      expect(capture.text()).toBe(whole.subarray(0, limit).toString('utf8'));
    }
  });

  it('does not change with the chunks it was given once they are reused by their owner', () => {
    const capture = new BodyCapture(1 << 20);
    const reused = Buffer.from('first');
    capture.add(reused);
    capture.add(Buffer.from(' second'));
    reused.write('XXXXX');
    capture.add(Buffer.from(' third'));
    // The first chunk is copied once a second one comes; only a lone chunk is kept as given.
    expect(capture.text()).toBe('first second third');
  });

  it('reads a multi-byte character split across chunks', () => {
    const capture = new BodyCapture(100);
    const euro = Buffer.from('a€b');
    capture.add(euro.subarray(0, 2));
    capture.add(euro.subarray(2));
    expect(capture.text()).toBe('a€b');
  });
});
