import { describe, expect, it } from 'vitest';
import { estimate, gcTotals, pairedSummary, type Pair } from './paired-builds.ts';

const call = (cpuUsPerStream: number, ttfbP99Ms = 100, scavenges = 18, scavengeMs = 200) => ({ cpuUsPerStream, ttfbP50Ms: 50, ttfbP99Ms, errors: 0, scavenges, scavengeMs, markMs: 15 });
/** Pairs of [A's CPU, B's CPU, start], the order alternated as the bench alternates it (A first, then B first). */
const pairsOf = (rows: Array<[a: number, b: number, block: number]>): Pair[] =>
  rows.map(([a, b, block], i) => ({ a: call(a), b: call(b), bFirst: i % 2 === 1, block }));

describe('pairedSummary', () => {
  it('takes B - A per pair, so an effect of the order cancels over balanced pairs and shows as the gap between them', () => {
    // B costs 10 µs more; whichever runs second pays 100 µs more.
    const s = pairedSummary(pairsOf([[500, 610, 0], [600, 510, 0], [520, 630, 0], [620, 530, 0]]));
    expect(s.cpuDiffUs.mean).toBe(10);
    expect(s.meanCpuDiffUsBSecond).toBe(110);
    expect(s.meanCpuDiffUsBFirst).toBe(-90);
    expect(s.medianCpuUsPerStream).toEqual([560, 570]);
  });

  it('reports the measured waves\' TTFB p99 the same way', () => {
    const s = pairedSummary([
      { a: call(1, 300), b: call(1, 280), bFirst: false, block: 0 },
      { a: call(1, 320), b: call(1, 290), bFirst: true, block: 0 },
    ]);
    expect(s.ttfbP99DiffMs.mean).toBe(-25);
    expect(s.medianTtfbP99Ms).toEqual([310, 285]);
  });

  it('gives each mean over pairs its standard error, and the collector\'s per call', () => {
    expect(estimate([110, -90, 110, -90])).toEqual({ mean: 10, se: Math.sqrt(40_000 / 3 / 4) });
    expect(estimate([5]).se).toBeNaN();
    const s = pairedSummary([
      { a: call(1, 1, 18, 200), b: call(1, 1, 16, 190), bFirst: false, block: 0 },
      { a: call(1, 1, 19, 210), b: call(1, 1, 16, 214), bFirst: true, block: 0 },
    ]);
    expect(s.scavengesDiff.mean).toBe(-2.5);
    expect(s.scavengeMsDiff.mean).toBe(-3);
    expect(s.medianScavengeMs).toEqual([205, 202]);
  });
});

describe('pairedSummary over starts', () => {
  it('averages B - A per start of the gateways, then over starts, whose spread is the estimate\'s', () => {
    // Start 0's processes favour B by 100 µs, start 1's favour A by 60: per pair the spread is small, per start it is not.
    const s = pairedSummary(pairsOf([[600, 500, 0], [602, 502, 0], [500, 560, 1], [502, 562, 1]]));
    expect(s.blocks).toBe(2);
    expect(s.cpuDiffUs.mean).toBe(-20);
    expect(s.cpuDiffUsByBlock).toEqual({ mean: -20, se: 80 });
    expect(s.cpuDiffUs.se).toBeLessThan(s.cpuDiffUsByBlock.se);
  });
});

describe('gcTotals', () => {
  it('reads scavenges and their time, and mark-compact time (final pauses and incremental steps), from the gateway\'s metrics', () => {
    const text = [
      '# HELP periscope_nodejs_gc_duration_seconds Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      'periscope_nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 3',
      'periscope_nodejs_gc_duration_seconds_sum{kind="minor"} 0.25',
      'periscope_nodejs_gc_duration_seconds_count{kind="minor"} 20',
      'periscope_nodejs_gc_duration_seconds_sum{kind="major"} 0.01',
      'periscope_nodejs_gc_duration_seconds_count{kind="major"} 1',
      'periscope_nodejs_gc_duration_seconds_sum{kind="incremental"} 0.005',
      'periscope_nodejs_gc_duration_seconds_sum{kind="weakcb"} 7',
      'periscope_process_cpu_seconds_total 12',
    ].join('\n');
    expect(gcTotals(text)).toEqual({ scavenges: 20, scavengeMs: 250, markMs: 15 });
  });
});
