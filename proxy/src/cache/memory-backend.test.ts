import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_BYTES, MemoryCacheBackend, VARIANT_OVERHEAD_BYTES } from './memory-backend.ts';
import { backendConformance } from './testing/backend-conformance.ts';

const shared = new MemoryCacheBackend(64 * 1024 * 1024);
backendConformance('memory', () => shared);

const KEY = 'k'.repeat(64);
/** Accounted size of one entry under a 64-char key with one variant of `n` bytes. */
const entrySize = (n: number) => ENTRY_OVERHEAD_BYTES + KEY.length * 2 + VARIANT_OVERHEAD_BYTES + n;

describe('MemoryCacheBackend byte bound', () => {
  it('never holds more than its bound, whatever is added', async () => {
    const max = 50_000;
    const cache = new MemoryCacheBackend(max);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 5_000; i++) {
      const key = `${String(Math.floor(random() * 300)).padStart(64, '0')}`;
      const value = Buffer.alloc(Math.floor(random() * 12_000));
      await cache.add(key, value, 60_000, 1 + Math.floor(random() * 5));
      expect(cache.bytes).toBeLessThanOrEqual(max);
      if (i % 7 === 0) await cache.get(key);
    }
    expect(cache.size).toBeGreaterThan(1);
  });

  it('evicts the least recently used entry first', async () => {
    const cache = new MemoryCacheBackend(entrySize(1000) * 3);
    const key = (c: string) => c.repeat(64);
    for (const c of 'abc') await cache.add(key(c), Buffer.alloc(1000), 60_000, 1);
    await cache.get(key('a')); // a is now the most recently used
    await cache.add(key('d'), Buffer.alloc(1000), 60_000, 1);
    expect(await cache.get(key('b'))).toEqual([]);
    for (const c of 'acd') expect(await cache.get(key(c))).toHaveLength(1);
  });

  it('skips an entry larger than the whole bound and keeps the old one', async () => {
    const cache = new MemoryCacheBackend(entrySize(100));
    await cache.add(KEY, Buffer.from('small'), 60_000, 1);
    await cache.add(KEY, Buffer.alloc(101), 60_000, 1);
    expect((await cache.get(KEY)).map(String)).toEqual(['small']);
    expect(cache.bytes).toBe(entrySize(5));
  });

  it('releases the bytes of expired variants when their key is read', async () => {
    let now = 1_000;
    const cache = new MemoryCacheBackend(1_000_000, () => now);
    await cache.add(KEY, Buffer.alloc(500), 10, 2);
    await cache.add(KEY, Buffer.alloc(700), 1_000, 2);
    expect(cache.bytes).toBe(entrySize(500) + VARIANT_OVERHEAD_BYTES + 700);
    now += 20;
    expect(await cache.get(KEY)).toHaveLength(1);
    expect(cache.bytes).toBe(entrySize(700));
    now += 2_000;
    expect(await cache.get(KEY)).toEqual([]);
    expect(cache.bytes).toBe(0);
    expect(cache.size).toBe(0);
  });
});
