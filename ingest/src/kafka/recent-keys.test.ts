import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.ts';

describe('RecentKeys', () => {
  it('remembers a key at least its time and forgets it within twice that', () => {
    let now = 0;
    const keys = new RecentKeys(1000, 100, () => now);
    expect(keys.empty).toBe(true);
    keys.add('a');
    now = 999;
    keys.add('b');
    expect([keys.has('a'), keys.has('b')]).toEqual([true, true]);
    now = 1998;
    expect([keys.has('a'), keys.has('b')]).toEqual([true, true]);
    now = 2000;
    expect([keys.has('a'), keys.has('b'), keys.empty]).toEqual([false, false, true]);
    keys.add('c');
    now = 3500;
    expect(keys.has('c')).toBe(true);
    now = 4500;
    expect(keys.has('c')).toBe(false);
  });

  it('holds at most its size, the oldest keys going first', () => {
    const keys = new RecentKeys(60_000, 10, () => 0);
    for (let i = 0; i < 100; i++) keys.add(`k${i}`);
    const held = Array.from({ length: 100 }, (_, i) => keys.has(`k${i}`));
    expect(held.filter(Boolean).length).toBeLessThanOrEqual(10);
    expect(held.slice(95)).toEqual([true, true, true, true, true]);
  });
});
