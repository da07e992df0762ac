import { describe, expect, it } from 'vitest';
import { StoreError } from '@periscope/clickhouse';
import { insertIsolatingRefused } from './refused-rows.ts';

/** A store that refuses any insert holding a BAD row, deduplicates by token, and can fail transiently. */
function fakeStore(failOnCall = new Set<number>()) {
  const stored: string[] = [];
  const tokens = new Set<string>();
  let calls = 0;
  const insert = async (rows: Buffer[], token: string) => {
    calls += 1;
    if (failOnCall.has(calls)) throw new StoreError('store_unavailable', 'ClickHouse is down');
    if (rows.some((r) => r.toString().includes('BAD'))) throw new StoreError('rows_refused', `the engine refused the rows: ${rows.length}`);
    if (tokens.has(token)) return;
    tokens.add(token);
    stored.push(...rows.map(String));
  };
  return { insert, stored, calls: () => calls };
}

const rowsWith = (n: number, bad: number[]) => Array.from({ length: n }, (_, i) => Buffer.from(bad.includes(i) ? `BAD ${i}` : `row ${i}`));

describe('insertIsolatingRefused', () => {
  it('stores a batch the store takes in one insert', async () => {
    const store = fakeStore();
    expect(await insertIsolatingRefused(rowsWith(100, []), 't', store.insert)).toEqual([]);
    expect(store.stored).toHaveLength(100);
    expect(store.calls()).toBe(1);
  });

  it('stores every other row once and returns exactly the refused ones, in a few inserts per bad row', async () => {
    // Sizes and positions spread by multiplying with primes: the same cases every run.
    for (let round = 0; round < 50; round++) {
      const n = 1 + ((round * 7919) % 600);
      const bad = [...new Set(Array.from({ length: round % 4 }, (_, k) => ((round + 1) * (k + 3) * 104_729) % n))].sort((a, b) => a - b);
      const store = fakeStore();
      const refused = await insertIsolatingRefused(rowsWith(n, bad), `t${round}`, store.insert);
      expect(refused.map((r) => r.index)).toEqual(bad);
      expect(refused.every((r) => /refused/.test(r.reason))).toBe(true);
      expect(store.stored.sort()).toEqual(rowsWith(n, bad).map(String).filter((r) => !r.startsWith('BAD')).sort());
      expect(store.calls()).toBeLessThanOrEqual(1 + bad.length * 2 * Math.ceil(Math.log2(n) + 1));
    }
  });

  it('throws a failure that is not a refusal, and a retry stores nothing twice', async () => {
    const rows = rowsWith(64, [5, 40]);
    for (let failAt = 2; failAt <= 12; failAt++) {
      const store = fakeStore(new Set([failAt]));
      await expect(insertIsolatingRefused(rows, 'batch', store.insert)).rejects.toMatchObject({ code: 'store_unavailable' });
      const refused = await insertIsolatingRefused(rows, 'batch', store.insert);
      expect(refused.map((r) => r.index)).toEqual([5, 40]);
      expect(store.stored).toHaveLength(62);
      expect(new Set(store.stored).size).toBe(62);
    }
  });
});
