import { describe, expect, it } from 'vitest';
import { StoreError } from '@periscope/clickhouse';
import { GroupedInserts } from './grouped-inserts.ts';

const rows = (tag: string, n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`{"id":"${tag}${i}"}`));

/** An insert that the test finishes by hand, recording what each call held. */
function manualStore() {
  const calls: { rows: string[]; token: string; finish: (err?: Error) => void }[] = [];
  const insert = (r: Buffer[], token: string) =>
    new Promise<void>((resolve, reject) => calls.push({ rows: r.map(String), token, finish: (err) => (err ? reject(err) : resolve()) }));
  return { calls, insert };
}

describe('GroupedInserts', () => {
  it('stores a large first part at once and every part that arrives meanwhile in one insert', async () => {
    const store = manualStore();
    const inserts = new GroupedInserts(store.insert, 10);
    const a = inserts.insert(rows('a', 2), 't/0/0-1');
    const b = inserts.insert(rows('b', 1), 't/1/5-5');
    const c = inserts.insert(rows('c', 3), 't/2/7-9');
    expect(store.calls.map((c) => c.token)).toEqual(['t/0/0-1']);
    store.calls[0]!.finish();
    await a;
    await Promise.resolve();
    expect(store.calls[1]).toMatchObject({ token: 't/1/5-5,t/2/7-9', rows: [...rows('b', 1), ...rows('c', 3)].map(String) });
    store.calls[1]!.finish();
    await expect(Promise.all([b, c])).resolves.toBeDefined();
  });

  it('holds a small first part for one turn of the event loop, so the rest of its fetch shares the insert', async () => {
    const store = manualStore();
    const inserts = new GroupedInserts(store.insert, 100);
    // As the consumer hands them in: every batch of a fetch is checked in a turn of its own.
    const inTurn = (tag: string, n: number) => new Promise<void>((resolve) => setImmediate(() => void inserts.insert(rows(tag, n), tag).then(resolve)));
    const handed = [inTurn('a', 2), inTurn('b', 1), inTurn('c', 4)];
    await new Promise((r) => setImmediate(r));
    expect(store.calls).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(store.calls.map((c) => [c.token, c.rows.length])).toEqual([['a,b,c', 7]]);
    store.calls[0]!.finish();
    await Promise.all(handed);
  });

  it('caps an insert at maxRows whole parts; a part over the cap goes alone', async () => {
    const store = manualStore();
    const inserts = new GroupedInserts(store.insert, 5);
    const first = inserts.insert(rows('a', 1), 'a');
    const rest = [inserts.insert(rows('b', 3), 'b'), inserts.insert(rows('c', 3), 'c'), inserts.insert(rows('d', 9), 'd'), inserts.insert(rows('e', 1), 'e')];
    for (let i = 0; i < 5 && store.calls.length > i; i++) {
      store.calls[i]!.finish();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([first, ...rest]);
    expect(store.calls.map((c) => [c.token, c.rows.length])).toEqual([['a', 1], ['b', 3], ['c', 3], ['d', 9], ['e', 1]]);
  });

  it('splits a group the store refuses (400), so only the part with the bad row is refused', async () => {
    const bad = Buffer.from('{"bad":true}');
    const tokens: string[] = [];
    let gate!: () => void;
    const held = new Promise<void>((r) => (gate = r));
    const inserts = new GroupedInserts(async (r, token) => {
      tokens.push(token);
      if (token === 'first') await held;
      if (r.includes(bad)) throw new StoreError('invalid_event', 'Cannot parse input');
    }, 5);
    const first = inserts.insert(rows('a', 1), 'first');
    await new Promise((r) => setImmediate(r));
    const good = inserts.insert(rows('b', 2), 'good');
    const poisoned = inserts.insert([bad], 'poisoned');
    gate();
    await first;
    await expect(good).resolves.toBeUndefined();
    await expect(poisoned).rejects.toMatchObject({ status: 400 });
    expect(tokens).toEqual(['first', 'good,poisoned', 'good', 'poisoned']);
  });

  it('hands any other failure to every part of the group, and takes new parts afterwards', async () => {
    let fail = true;
    const inserts = new GroupedInserts(async () => {
      await Promise.resolve();
      if (fail) throw new StoreError('store_unavailable', 'chDB closed');
    });
    const results = await Promise.allSettled([inserts.insert(rows('a', 1), 'a'), inserts.insert(rows('b', 1), 'b'), inserts.insert(rows('c', 1), 'c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    fail = false;
    await expect(inserts.insert(rows('d', 1), 'd')).resolves.toBeUndefined();
  });
});
