import { describe, expect, it } from 'vitest';
import { StoreError } from '@periscope/clickhouse';
import { GroupedInserts, PartAbandoned, type GroupedInsertsOptions } from './grouped-inserts.ts';

const rows = (tag: string, n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`{"id":"${tag}${i}"}`));
const live = () => true;
const NOV = Date.UTC(2026, 10, 30, 23, 59);
const DEC = Date.UTC(2026, 11, 1, 0, 1);
/** Rows and their times, all in one month. */
const inMonth = (r: Buffer[], at = DEC) => ({ rows: r, createdAt: r.map(() => at) });
const turn = () => new Promise((r) => setImmediate(r));

/** An insert that the test finishes by hand, recording what each call held. */
function manualStore() {
  const calls: { rows: string[]; token: string; finish: (err?: Error) => void }[] = [];
  const insertRows = (r: Buffer[], token: string) =>
    new Promise<void>((resolve, reject) => calls.push({ rows: r.map(String), token, finish: (err) => (err ? reject(err) : resolve()) }));
  return { calls, insertRows };
}

const grouped = (o: Partial<GroupedInsertsOptions> & Pick<GroupedInsertsOptions, 'insertRows'>) => new GroupedInserts({ onFailure: () => {}, retryMs: 1, ...o });

describe('GroupedInserts', () => {
  it('stores a large first part at once and every part that arrives meanwhile in one insert', async () => {
    const store = manualStore();
    const inserts = grouped({ insertRows: store.insertRows, maxRows: 10 });
    const a = inserts.insert({ ...inMonth(rows('a', 2)), range: 't/0/0-1', live });
    const b = inserts.insert({ ...inMonth(rows('b', 1)), range: 't/1/5-5', live });
    const c = inserts.insert({ ...inMonth(rows('c', 3)), range: 't/2/7-9', live });
    expect(store.calls.map((c) => c.token)).toEqual(['t/0/0-1:2']);
    store.calls[0]!.finish();
    await a;
    await turn();
    expect(store.calls[1]).toMatchObject({ token: 't/1/5-5:1,t/2/7-9:3', rows: [...rows('b', 1), ...rows('c', 3)].map(String) });
    store.calls[1]!.finish();
    await expect(Promise.all([b, c])).resolves.toBeDefined();
  });

  it('holds a small first part for one turn of the event loop, so the rest of its fetch shares the insert', async () => {
    const store = manualStore();
    const inserts = grouped({ insertRows: store.insertRows, maxRows: 100 });
    // As the consumer hands them in: every batch of a fetch is checked in a turn of its own.
    const inTurn = (tag: string, n: number) => new Promise<void>((resolve) => setImmediate(() => void inserts.insert({ ...inMonth(rows(tag, n)), range: tag, live }).then(resolve)));
    const handed = [inTurn('a', 2), inTurn('b', 1), inTurn('c', 4)];
    await turn();
    expect(store.calls).toHaveLength(0);
    await turn();
    expect(store.calls.map((c) => [c.token, c.rows.length])).toEqual([['a:2,b:1,c:4', 7]]);
    store.calls[0]!.finish();
    await Promise.all(handed);
  });

  it('caps an insert at maxRows and maxBytes: whole parts while they fit, a part over a cap in chunks of its own', async () => {
    const sent: [string, number][] = [];
    const inserts = grouped({ insertRows: async (r, token) => void sent.push([token, r.length]), maxRows: 5, maxBytes: 100 });
    const big = Array.from({ length: 3 }, () => Buffer.alloc(40, 'x'));
    await Promise.all([
      inserts.insert({ ...inMonth(rows('a', 1)), range: 'a', live }),
      inserts.insert({ ...inMonth(rows('b', 3)), range: 'b', live }),
      inserts.insert({ ...inMonth(rows('c', 1)), range: 'c', live }),
      inserts.insert({ ...inMonth(rows('d', 12)), range: 'd', live }),
      inserts.insert({ ...inMonth(big), range: 'e', live }),
    ]);
    expect(sent).toEqual([['a:1', 1], ['b:3,c:1', 4], ['d#1/3:5', 5], ['d#2/3:5', 5], ['d#3/3:2', 2], ['e#1/2:2', 2], ['e#2/2:1', 1]]);
  });

  it('tries a failed group again as it was: the same rows under the same token, counting each failure', async () => {
    const seen: { token: string; rows: number }[] = [];
    let failures = 0;
    const inserts = grouped({
      insertRows: async (r, token) => {
        seen.push({ token, rows: r.length });
        if (seen.length < 3) throw new StoreError('store_unavailable', 'chDB closed');
      },
      onFailure: () => (failures += 1),
    });
    const a = inserts.insert({ ...inMonth(rows('a', 1)), range: 'a', live });
    await turn();
    await turn();
    const b = inserts.insert({ ...inMonth(rows('b', 2)), range: 'b', live });
    const c = inserts.insert({ ...inMonth(rows('c', 1)), range: 'c', live });
    await Promise.all([a, b, c]);
    expect(seen).toEqual([{ token: 'a:1', rows: 1 }, { token: 'a:1', rows: 1 }, { token: 'a:1', rows: 1 }, { token: 'b:2,c:1', rows: 3 }]);
    expect(failures).toBe(2);
  });

  it('a batch sent again with rows left out gets another token, never the same token for fewer rows', async () => {
    const tokens: string[] = [];
    const inserts = grouped({ insertRows: async (_, token) => void tokens.push(token) });
    await inserts.insert({ ...inMonth(rows('a', 3)), range: 't/0/10-12', live });
    await inserts.insert({ ...inMonth(rows('a', 2)), range: 't/0/10-12', live });
    expect(tokens).toEqual(['t/0/10-12:3', 't/0/10-12:2']);
  });

  it('drops a waiting part whose partition is no longer ours, and stops retrying a group none of whose parts is', async () => {
    const store = manualStore();
    const inserts = grouped({ insertRows: store.insertRows, maxRows: 1 });
    let ours = true;
    const first = inserts.insert({ ...inMonth(rows('a', 1)), range: 'a', live: () => ours });
    const waiting = inserts.insert({ ...inMonth(rows('b', 1)), range: 'b', live: () => ours });
    ours = false;
    store.calls[0]!.finish(new StoreError('store_unavailable', 'down'));
    await expect(first).rejects.toBeInstanceOf(PartAbandoned);
    await expect(waiting).rejects.toBeInstanceOf(PartAbandoned);
    expect(store.calls.map((c) => c.token)).toEqual(['a:1']);
  });

  it('splits a group the store refuses (400), so only the part with the bad row is refused', async () => {
    const bad = Buffer.from('{"bad":true}');
    const tokens: string[] = [];
    let gate!: () => void;
    const held = new Promise<void>((r) => (gate = r));
    const inserts = grouped({
      insertRows: async (r, token) => {
        tokens.push(token);
        if (token === 'first:1') await held;
        if (r.includes(bad)) throw new StoreError('invalid_event', 'Cannot parse input');
      },
      maxRows: 5,
    });
    const first = inserts.insert({ ...inMonth(rows('a', 1)), range: 'first', live });
    await turn();
    const good = inserts.insert({ ...inMonth(rows('b', 2)), range: 'good', live });
    const poisoned = inserts.insert({ ...inMonth([bad]), range: 'poisoned', live });
    gate();
    await first;
    await expect(good).resolves.toBeUndefined();
    await expect(poisoned).rejects.toMatchObject({ status: 400 });
    expect(tokens).toEqual(['first:1', 'good:2,poisoned:1', 'good:2', 'poisoned:1']);
  });

  it('settles a part cut into chunks only once every chunk settled, so a refused chunk never races one still being stored', async () => {
    const store = manualStore();
    const inserts = grouped({ insertRows: store.insertRows, maxRows: 10 });
    let settled = false;
    const part = inserts.insert({ ...inMonth(rows('a', 25)), range: 'big', live }).catch((err: unknown) => {
      settled = true;
      return err;
    });
    await turn();
    expect(store.calls.map((c) => c.token)).toEqual(['big#1/3:10']);
    store.calls[0]!.finish(new StoreError('rows_refused', 'Code: 27.'));
    await turn();
    // The first chunk is refused; the others are still to be stored, one failing once: the part waits for them.
    expect(store.calls.map((c) => c.token)).toEqual(['big#1/3:10', 'big#2/3:10']);
    store.calls[1]!.finish(new StoreError('store_unavailable', 'down'));
    await new Promise((r) => setTimeout(r, 10));
    expect(store.calls.map((c) => c.token)).toEqual(['big#1/3:10', 'big#2/3:10', 'big#2/3:10']);
    store.calls[2]!.finish();
    await turn();
    expect(store.calls.map((c) => c.token)).toEqual(['big#1/3:10', 'big#2/3:10', 'big#2/3:10', 'big#3/3:5']);
    expect(settled).toBe(false);
    store.calls[3]!.finish();
    expect(await part).toMatchObject({ code: 'rows_refused' });
  });

  it('never lets an insert hold two months: a part whose rows fall in two goes in one insert per month, and parts of different months never share one', async () => {
    const sent: [string, string[]][] = [];
    const inserts = grouped({ insertRows: async (r, token) => void sent.push([token, r.map(String)]), maxRows: 100 });
    const [a, b] = [rows('a', 4), rows('b', 2)];
    await Promise.all([
      inserts.insert({ rows: a, createdAt: [NOV, DEC, NOV, DEC], range: 'a', live }),
      inserts.insert({ ...inMonth(b, NOV), range: 'b', live }),
      inserts.insert({ ...inMonth(rows('c', 1)), range: 'c', live }),
    ]);
    expect(sent).toEqual([
      ['a@202611:2,b:2', [a[0], a[2], ...b].map(String)],
      ['a@202612:2,c:1', [a[1], a[3], ...rows('c', 1)].map(String)],
    ]);
  });

  it('fills an insert with its month\'s parts past another month\'s part too large to join it', async () => {
    const store = manualStore();
    const inserts = grouped({ insertRows: store.insertRows, maxRows: 10 });
    const first = inserts.insert({ ...inMonth(rows('x', 10)), range: 'x', live });
    const handed = [
      inserts.insert({ ...inMonth(rows('a', 1)), range: 'a', live }),
      inserts.insert({ ...inMonth(rows('b', 10), NOV), range: 'b', live }),
      inserts.insert({ ...inMonth(rows('c', 1)), range: 'c', live }),
    ];
    let done = false;
    const all = Promise.all([first, ...handed]).then(() => (done = true));
    for (let finished = 0; !done; await turn()) while (finished < store.calls.length) store.calls[finished++]!.finish();
    await all;
    expect(store.calls.map((c) => c.token)).toEqual(['x:10', 'a:1,c:1', 'b:10']);
  });

  it('refuses a part whose times do not match its rows', async () => {
    const inserts = grouped({ insertRows: async () => {} });
    await expect(inserts.insert({ rows: rows('a', 2), createdAt: [DEC], range: 'a', live })).rejects.toThrow('2 rows but 1 times');
  });
});
