import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.ts';

describe('RecentKeys', () => {
  it('forgets a key its time after it was last added, and the oldest beyond its size', () => {
    let now = 0;
    const keys = new RecentKeys(1000, 3, () => now);
    keys.add('a');
    now = 500;
    keys.add('b');
    now = 800;
    keys.add('a'); // a again: kept 1,000 ms from now
    now = 1200;
    expect(keys.size).toBe(2);
    now = 1600;
    expect([keys.has('a'), keys.has('b'), keys.size]).toEqual([true, false, 1]);
    now = 1900;
    expect(keys.size).toBe(0);
    for (const k of ['c', 'd', 'e', 'f']) keys.add(k);
    expect([keys.has('c'), keys.has('d'), keys.has('f'), keys.size]).toEqual([false, true, true, 3]);
  });
});
