import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CounterStore } from '../counter-store.ts';

/** One behaviour for every counter store: the in-memory one and Redis run the same cases. */
export function counterStoreConformance(name: string, store: () => CounterStore): void {
  const key = (label: string) => `${label}:${randomUUID()}`;

  describe(`${name} counter store`, () => {
    it('admits up to the limit exactly, then refuses and names the entry', async () => {
      const k = key('rpm');
      const entry = { kind: 'counter' as const, key: k, need: 1, add: 1, limit: 3, ttlMs: 60_000 };
      for (let i = 1; i <= 3; i++) expect(await store().admit([entry])).toEqual({ ok: true, values: [i] });
      expect(await store().admit([entry])).toEqual({ ok: false, index: 0, value: 3 });
    });

    it('applies all entries or none', async () => {
      const a = key('a');
      const b = key('b');
      await store().add([{ key: b, amount: 5, ttlMs: 60_000 }]);
      const refused = await store().admit([
        { kind: 'counter', key: a, need: 1, add: 1, limit: 10, ttlMs: 60_000 },
        { kind: 'counter', key: b, need: 1, add: 0, limit: 5, ttlMs: 60_000 },
      ]);
      expect(refused).toEqual({ ok: false, index: 1, value: 5 });
      const after = await store().admit([{ kind: 'counter', key: a, need: 0, add: 0, limit: 10, ttlMs: 60_000 }]);
      expect(after).toEqual({ ok: true, values: [0] });
    });

    it('a need larger than what is left refuses without adding', async () => {
      const k = key('usd');
      await store().add([{ key: k, amount: 900, ttlMs: 60_000 }]);
      expect(await store().admit([{ kind: 'counter', key: k, need: 101, add: 0, limit: 1000, ttlMs: 60_000 }])).toMatchObject({ ok: false });
      expect(await store().admit([{ kind: 'counter', key: k, need: 100, add: 0, limit: 1000, ttlMs: 60_000 }])).toEqual({ ok: true, values: [900] });
      expect(await store().add([{ key: k, amount: 100, ttlMs: 60_000 }])).toEqual([1000]);
    });

    it('counters expire with their window', async () => {
      const k = key('ttl');
      await store().add([{ key: k, amount: 7, ttlMs: 150 }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(await store().admit([{ kind: 'counter', key: k, need: 1, add: 0, limit: 1, ttlMs: 150 }])).toEqual({ ok: true, values: [0] });
    });

    it('leases: at most `limit` held, a release frees one, an expired lease frees itself', async () => {
      const k = key('conc');
      const lease = (member: string, leaseMs = 60_000) => ({ kind: 'lease' as const, key: k, member, limit: 2, leaseMs });
      expect(await store().admit([lease('r1')])).toEqual({ ok: true, values: [1] });
      expect(await store().admit([lease('r2', 200)])).toEqual({ ok: true, values: [2] });
      expect(await store().admit([lease('r3')])).toEqual({ ok: false, index: 0, value: 2 });
      await store().release(k, 'r1');
      expect(await store().admit([lease('r3')])).toEqual({ ok: true, values: [2] });
      await new Promise((r) => setTimeout(r, 300)); // r2's holder "died"
      expect(await store().admit([lease('r4')])).toEqual({ ok: true, values: [2] });
    });

    it('stays exact under concurrent admissions', async () => {
      const k = key('race');
      const results = await Promise.all(Array.from({ length: 50 }, () =>
        store().admit([{ kind: 'counter', key: k, need: 1, add: 1, limit: 20, ttlMs: 60_000 }])));
      expect(results.filter((r) => r.ok)).toHaveLength(20);
    });
  });
}
