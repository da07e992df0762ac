import { describe, expect, it } from 'vitest';
import { StoreError } from '@periscope/clickhouse';
import { insertIsolatingRefused } from './refused-rows.ts';
import { PartAbandoned } from './kafka/grouped-inserts.ts';

/**
 * A store that refuses any insert holding a BAD row and deduplicates by token. The calls in
 * `failOnCall` fail as a store outage would; with `afterStoring`, only once the rows are stored
 * (a server that finished the insert after its client gave up).
 */
function fakeStore(failOnCall = new Set<number>(), afterStoring = false) {
  const stored: string[] = [];
  const tokens = new Set<string>();
  let calls = 0;
  const insert = async (rows: Buffer[], token: string) => {
    calls += 1;
    const fail = failOnCall.has(calls);
    if (fail && !afterStoring) throw new StoreError('store_unavailable', 'ClickHouse is down');
    if (rows.some((r) => r.toString().includes('BAD'))) throw new StoreError('rows_refused', `the engine refused the rows: ${rows.length}`);
    if (!tokens.has(token)) {
      tokens.add(token);
      stored.push(...rows.map(String));
    }
    if (fail) throw new StoreError('store_unavailable', 'timed out waiting for the answer');
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

  it('rides out a failure that is not a refusal at any point, storing every other row once', async () => {
    const rows = rowsWith(64, [5, 40]);
    for (const [failAt, afterStoring] of Array.from({ length: 12 }, (_, i) => [[i + 1, false], [i + 1, true]] as const).flat()) {
      const store = fakeStore(new Set([failAt]), afterStoring);
      const refused = await insertIsolatingRefused(rows, 'batch', store.insert, { retryMs: 1 });
      expect(refused.map((r) => r.index)).toEqual([5, 40]);
      expect(store.stored).toHaveLength(62);
      expect(new Set(store.stored).size).toBe(62);
    }
  });

  it('retries a slice that failed for another reason in place, same rows and token, and stops once no longer live', async () => {
    const rows = rowsWith(64, [5, 40]);
    const tokens: string[] = [];
    const store = fakeStore(new Set([3, 4]));
    const failures: unknown[] = [];
    const refused = await insertIsolatingRefused(rows, 'batch', async (r, t) => {
      tokens.push(t);
      await store.insert(r, t);
    }, { retryMs: 1, onFailure: (err) => failures.push(err) });
    expect(refused.map((r) => r.index)).toEqual([5, 40]);
    expect(failures).toHaveLength(2);
    expect(tokens[2]).toBe(tokens[3]);
    expect(tokens[3]).toBe(tokens[4]);
    expect(store.stored).toHaveLength(62);

    let calls = 0;
    const stopped = insertIsolatingRefused(rows, 'batch2', async (r, t) => {
      calls += 1;
      await fakeStore().insert(r, t);
    }, { live: () => calls < 3 });
    await expect(stopped).rejects.toBeInstanceOf(PartAbandoned);
    expect(calls).toBe(3);
  });
});
