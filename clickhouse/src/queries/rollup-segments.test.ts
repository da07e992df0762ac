import { describe, expect, it } from 'vitest';
import { levelsFor, planSegments } from './rollup-segments.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (h: number, m = 0, s = 0, ms = 0) => Date.UTC(2026, 10, 25, h, m, s, ms);

describe('planSegments', () => {
  it('reads whole hours from the hourly rollup, whole minutes around them per minute, and the edges raw', () => {
    expect(planSegments(at(9, 58, 30, 5), at(13, 2, 10))).toEqual([
      { source: 'requests', from: at(9, 58, 30, 5), to: at(9, 59) },
      { source: 'requests_rollup_1m', from: at(9, 59), to: at(10) },
      { source: 'requests_rollup_1h', from: at(10), to: at(13) },
      { source: 'requests_rollup_1m', from: at(13), to: at(13, 2) },
      { source: 'requests', from: at(13, 2), to: at(13, 2, 10) },
    ]);
  });

  it('uses one table when the range is aligned to it', () => {
    expect(planSegments(at(1), at(5))).toEqual([{ source: 'requests_rollup_1h', from: at(1), to: at(5) }]);
    expect(planSegments(at(1, 1), at(1, 5))).toEqual([{ source: 'requests_rollup_1m', from: at(1, 1), to: at(1, 5) }]);
    expect(planSegments(at(1, 1, 1), at(1, 1, 59))).toEqual([{ source: 'requests', from: at(1, 1, 1), to: at(1, 1, 59) }]);
  });

  it('covers the range exactly, without gaps or overlaps', () => {
    for (const [from, to] of [[at(0, 0, 0, 1), at(23, 59, 59, 999)], [at(3, 17, 4), at(3, 17, 5)], [at(2), at(2, 0, 0, 1)]] as const) {
      const segments = planSegments(from, to);
      expect(segments[0]?.from).toBe(from);
      expect(segments.at(-1)?.to).toBe(to);
      for (let i = 1; i < segments.length; i++) expect(segments[i]?.from).toBe(segments[i - 1]?.to);
    }
    expect(planSegments(at(5), at(5))).toEqual([]);
  });

  it('keeps the hourly rollup out of buckets narrower than an hour', () => {
    expect(levelsFor(15 * MIN).map((l) => l.source)).toEqual(['requests_rollup_1m']);
    expect(levelsFor(3 * HOUR).map((l) => l.source)).toEqual(['requests_rollup_1h', 'requests_rollup_1m']);
    expect(planSegments(at(1), at(3), levelsFor(5 * MIN))).toEqual([{ source: 'requests_rollup_1m', from: at(1), to: at(3) }]);
    expect(planSegments(at(1), at(3), [])).toEqual([{ source: 'requests', from: at(1), to: at(3) }]);
  });
});
