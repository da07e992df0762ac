import { describe, expect, it } from 'vitest';
import { bucketQuantile, ownTimeBetween, parseHistogram } from './own-time.ts';

const exposition = (counts: number[]) => [
  '# HELP periscope_proxy_overhead_seconds x',
  '# TYPE periscope_proxy_overhead_seconds histogram',
  ...['0.0001', '0.00025', '0.0005', '0.001', '+Inf'].map((le, i) => `periscope_proxy_overhead_seconds_bucket{le="${le}"} ${counts[i]}`),
  `periscope_proxy_overhead_seconds_sum 0.5`,
  `periscope_proxy_overhead_seconds_count ${counts.at(-1)}`,
  'periscope_proxy_relay_overhead_seconds_bucket{le="0.001"} 3',
  'periscope_proxy_relay_overhead_seconds_bucket{le="+Inf"} 4',
].join('\n');

describe('own time from histograms', () => {
  it('parses the buckets of one histogram, not its neighbours', () => {
    expect(parseHistogram(exposition([1, 2, 3, 4, 5]), 'periscope_proxy_overhead_seconds')).toEqual([
      { le: 0.0001, count: 1 }, { le: 0.00025, count: 2 }, { le: 0.0005, count: 3 }, { le: 0.001, count: 4 }, { le: Infinity, count: 5 },
    ]);
    expect(parseHistogram(exposition([1, 2, 3, 4, 5]), 'periscope_proxy_relay_overhead_seconds')).toEqual([{ le: 0.001, count: 3 }, { le: Infinity, count: 4 }]);
    expect(parseHistogram('', 'periscope_proxy_overhead_seconds')).toBeUndefined();
  });

  it('takes percentiles of the observations between two reads only', () => {
    const name = 'periscope_proxy_overhead_seconds';
    const before = parseHistogram(exposition([100, 100, 100, 100, 100]), name)!;
    // 100 new calls: 98 under 0.25 ms, one under 1 ms, one over it.
    const after = parseHistogram(exposition([100, 198, 198, 199, 200]), name)!;
    expect(bucketQuantile(before, after, 0.5)).toBe(0.00025);
    expect(bucketQuantile(before, after, 0.99)).toBe(0.001);
    expect(bucketQuantile(before, after, 1)).toBe(Infinity);
    expect(bucketQuantile(before, before, 0.5)).toBeUndefined();
  });

  it('reports both sides in ms, and nothing when a side saw no call', () => {
    const read = (counts: number[], relay: number[]) => ({
      request: parseHistogram(exposition(counts), 'periscope_proxy_overhead_seconds')!,
      relay: [{ le: 0.0005, count: relay[0]! }, { le: Infinity, count: relay[1]! }],
    });
    expect(ownTimeBetween(read([0, 0, 0, 0, 0], [0, 0]), read([0, 10, 10, 10, 10], [9, 10]))).toEqual({
      calls: 10, request: { p50LeMs: 0.25, p99LeMs: 0.25 }, relay: { p50LeMs: 0.5, p99LeMs: Infinity },
    });
    expect(ownTimeBetween(read([0, 0, 0, 0, 0], [0, 0]), read([0, 10, 10, 10, 10], [0, 0]))).toBeUndefined();
  });
});
