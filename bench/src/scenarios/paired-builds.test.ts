import { describe, expect, it } from 'vitest';
import { pairedSummary, type Pair } from './paired-builds.ts';

const call = (cpuUsPerStream: number, ttfbP99Ms = 100) => ({ cpuUsPerStream, ttfbP50Ms: 50, ttfbP99Ms, errors: 0 });

describe('pairedSummary', () => {
  it('takes B - A per pair, so an effect of the order cancels over balanced pairs and shows as the gap between them', () => {
    // B costs 10 µs more; whichever runs second pays 100 µs more.
    const pairs: Pair[] = [
      { a: call(500), b: call(610), bFirst: false },
      { a: call(600), b: call(510), bFirst: true },
      { a: call(520), b: call(630), bFirst: false },
      { a: call(620), b: call(530), bFirst: true },
    ];
    const s = pairedSummary(pairs);
    expect(s.meanCpuDiffUs).toBe(10);
    expect(s.meanCpuDiffUsBSecond).toBe(110);
    expect(s.meanCpuDiffUsBFirst).toBe(-90);
    expect(s.medianCpuUsPerStream).toEqual([560, 570]);
  });

  it('reports the measured waves\' TTFB p99 the same way', () => {
    const s = pairedSummary([
      { a: call(1, 300), b: call(1, 280), bFirst: false },
      { a: call(1, 320), b: call(1, 290), bFirst: true },
    ]);
    expect(s.meanTtfbP99DiffMs).toBe(-25);
    expect(s.medianTtfbP99Ms).toEqual([310, 285]);
  });
});
