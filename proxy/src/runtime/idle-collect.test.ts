import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { IdleCollector, type Heap, type IdleStep } from './idle-collect.ts';

const MB = 1024 * 1024;

/** A heap whose young space shrinks at its `shrinkAt`th scavenge, and whose sizes the test sets. */
class FakeHeap implements Heap {
  committed: number;
  young = 32 * MB;
  scavenges = 0;
  collections = 0;
  constructor(committedMb: number, public shrinkAt = 1) {
    this.committed = committedMb * MB;
  }

  committedBytes = () => this.committed;
  youngBytes = () => this.young;
  scavenge = () => {
    if (++this.scavenges >= this.shrinkAt) this.young = 1 * MB;
  };

  collect = () => {
    this.collections++;
  };
}

const checks = (collector: IdleCollector, n: number): IdleStep[] => Array.from({ length: n }, () => collector.check());

describe('IdleCollector: the heap given back once a server goes a while without a request', () => {
  it('at start-up: from the second check, scavenges until the young space shrinks, then collects once and reads the floor', () => {
    const heap = new FakeHeap(60, 3);
    const collector = new IdleCollector(heap);
    expect(checks(collector, 4)).toEqual(['waiting', 'scavenged', 'scavenged', 'collected']);
    heap.committed = 36 * MB;
    expect(checks(collector, 3)).toEqual(['waiting', 'waiting', 'waiting']); // the floor, then nothing owed
    heap.committed = 80 * MB;
    expect(collector.check()).toBe('waiting'); // grown, but no request since: nothing new to give back
    expect([heap.scavenges, heap.collections]).toEqual([3, 1]);
  });

  it('goes straight to the major collection when the young space is small already', () => {
    const heap = new FakeHeap(60);
    heap.young = 4 * MB;
    expect(checks(new IdleCollector(heap), 2)).toEqual(['waiting', 'collected']);
    expect(heap.scavenges).toBe(0);
  });

  it('stops scavenging after ten tries and collects anyway', () => {
    const heap = new FakeHeap(60, Infinity);
    expect(checks(new IdleCollector(heap), 12)).toEqual(['waiting', ...Array<IdleStep>(10).fill('scavenged'), 'collected']);
  });

  it('never touches the heap while requests keep coming, and starts again after a burst', () => {
    const heap = new FakeHeap(60);
    const collector = new IdleCollector(heap);
    expect(checks(collector, 2)).toEqual(['waiting', 'collected']);
    heap.committed = 36 * MB;
    collector.check(); // the floor: 36 MB
    heap.committed = 82 * MB;
    heap.young = 32 * MB;
    for (let i = 0; i < 5; i++) {
      collector.touch();
      expect(collector.check()).toBe('busy');
    }
    expect(checks(collector, 2)).toEqual(['waiting', 'collected']); // the scavenge shrank it: collected in the same check
    expect([heap.scavenges, heap.collections]).toEqual([2, 2]);
  });

  it('a request in the middle of an idle stretch starts the count again', () => {
    const heap = new FakeHeap(60, 5);
    const collector = new IdleCollector(heap);
    expect(checks(collector, 3)).toEqual(['waiting', 'scavenged', 'scavenged']);
    collector.touch();
    expect(checks(collector, 5)).toEqual(['busy', 'waiting', 'scavenged', 'scavenged', 'collected']);
  });

  it('skips a collection that would give back less than the minimum growth over the floor, and keeps it owed', () => {
    const heap = new FakeHeap(60);
    const collector = new IdleCollector(heap, 8 * MB);
    expect(checks(collector, 2)).toEqual(['waiting', 'collected']);
    heap.committed = 36 * MB;
    collector.check(); // the floor: 36 MB
    heap.committed = 43 * MB; // a trickle of calls: 7 MB over the floor
    collector.touch();
    expect(checks(collector, 4)).toEqual(['busy', 'waiting', 'waiting', 'waiting']);
    heap.committed = 44 * MB;
    expect(collector.check()).toBe('collected');
  });

  it('does not take a size read under load for the floor', () => {
    const heap = new FakeHeap(60);
    heap.young = 1 * MB;
    const collector = new IdleCollector(heap, 8 * MB);
    checks(collector, 2);
    // A burst right after the collection: the check that would read the floor sees requests.
    heap.committed = 82 * MB;
    collector.touch();
    collector.check();
    // With 82 MB as the floor this would wait for 90 MB; the floor is still unread (0).
    expect(checks(collector, 2)).toEqual(['waiting', 'collected']);
    heap.committed = 38 * MB;
    collector.check();
    heap.committed = 45 * MB;
    collector.touch();
    expect(checks(collector, 4)).toEqual(['busy', 'waiting', 'waiting', 'waiting']); // 7 MB over the 38 MB floor
  });
});

describe('IdleCollector on V8, in a process of its own', () => {
  it('gives back the young space and the garbage a burst left, and leaves gc out of every context', () => {
    // Short-lived objects at a high rate, and batches kept for a while (promoted, then dropped);
    // then checks a second apart, as the server's timer makes them.
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
import { getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
const { IdleCollector, v8Heap } = await import(${JSON.stringify(new URL('./idle-collect.ts', import.meta.url).href)});
let kept = [];
for (let round = 0; round < 20; round++) {
  for (let i = 0; i < 50_000; i++) kept.push({ i, s: 'x'.repeat(i % 50) });
  if (kept.length > 200_000) kept = [];
}
kept = [];
const before = { total: getHeapStatistics().total_heap_size, young: v8Heap.youngBytes() };
const collector = new IdleCollector();
const steps = [];
while (steps.length < 15 && steps.at(-1) !== 'collected') {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  steps.push(collector.check());
}
let after = before;
for (let i = 0; i < 100 && before.total - after.total < 16 * 1024 * 1024; i++) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  after = { total: getHeapStatistics().total_heap_size, young: v8Heap.youngBytes() };
}
console.log(JSON.stringify({ steps, before, after, mainGc: typeof globalThis.gc, newContextGc: runInNewContext('typeof gc') }));
`], { encoding: 'utf8' });
    const r = JSON.parse(out) as { steps: IdleStep[]; before: { total: number; young: number }; after: { total: number; young: number }; mainGc: string; newContextGc: string };
    expect(r.steps.at(-1)).toBe('collected');
    expect(r.before.young).toBeGreaterThanOrEqual(16 * MB);
    expect(r.after.young).toBeLessThanOrEqual(8 * MB);
    expect(r.before.total - r.after.total).toBeGreaterThanOrEqual(16 * MB);
    expect(r.mainGc).toBe('undefined');
    expect(r.newContextGc).toBe('undefined');
  });
});
