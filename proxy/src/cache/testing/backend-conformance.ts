import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CacheBackend } from '../backend.ts';

/**
 * The behaviour every cache backend must have, run against each one (memory in
 * memory-backend.test.ts, a real redis-server in redis-backend.int.test.ts). `backend()` is
 * called inside the tests, after the caller's beforeAll has set it up.
 */
export function backendConformance(name: string, backend: () => CacheBackend): void {
  const key = () => randomUUID().replaceAll('-', '');
  const buf = (s: string) => Buffer.from(s);
  const texts = (values: Buffer[]) => values.map((v) => v.toString());

  describe(`${name}: cache backend conformance`, () => {
    it('returns nothing for an unknown key', async () => {
      expect(await backend().get(key())).toEqual([]);
    });

    it('returns what was stored, byte for byte', async () => {
      const k = key();
      const value = Buffer.from([0, 255, 10, 13, 0x7b, 0]);
      await backend().add(k, value, 60_000, 1);
      const got = await backend().get(k);
      expect(got).toHaveLength(1);
      expect(Buffer.compare(got[0]!, value)).toBe(0);
    });

    it('keeps the newest variants of a bucket, oldest first', async () => {
      const k = key();
      for (const v of ['a', 'b', 'c', 'd']) await backend().add(k, buf(v), 60_000, 3);
      expect(texts(await backend().get(k))).toEqual(['b', 'c', 'd']);
    });

    it('replaces the single variant of a bucket of one', async () => {
      const k = key();
      await backend().add(k, buf('old'), 60_000, 1);
      await backend().add(k, buf('new'), 60_000, 1);
      expect(texts(await backend().get(k))).toEqual(['new']);
    });

    it('expires each variant after its own TTL', async () => {
      const k = key();
      await backend().add(k, buf('short'), 150, 5);
      await backend().add(k, buf('long'), 60_000, 5);
      expect(texts(await backend().get(k))).toEqual(['short', 'long']);
      await sleep(250);
      expect(texts(await backend().get(k))).toEqual(['long']);
    });

    it('forgets a key whose only variant expired', async () => {
      const k = key();
      await backend().add(k, buf('x'), 100, 1);
      await sleep(200);
      expect(await backend().get(k)).toEqual([]);
    });

    it('keeps keys apart', async () => {
      const [a, b] = [key(), key()];
      await backend().add(a, buf('A'), 60_000, 1);
      await backend().add(b, buf('B'), 60_000, 1);
      expect(texts(await backend().get(a))).toEqual(['A']);
      expect(texts(await backend().get(b))).toEqual(['B']);
    });

    it('stores large values', async () => {
      const k = key();
      const value = Buffer.alloc(256 * 1024, 'x');
      await backend().add(k, value, 60_000, 1);
      expect((await backend().get(k))[0]?.length).toBe(value.length);
    });
  });
}
