import { PerformanceObserver, constants } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { IdleScavenge } from './idle-scavenge.ts';

describe('IdleScavenge', () => {
  it('scavenges only once no call is in flight, the young space past its share, at most once an interval', () => {
    let fill = 0.9;
    let clock = 0;
    let scavenges = 0;
    const s = new IdleScavenge(() => fill, () => void scavenges++, 0.75, 5, () => clock);
    s.started();
    s.started();
    s.ended();
    expect(scavenges, 'a call still in flight').toBe(0);
    s.ended();
    expect(scavenges).toBe(1);
    s.started();
    s.ended();
    expect(scavenges, 'within the interval').toBe(1);
    clock = 5;
    fill = 0.5;
    s.started();
    s.ended();
    expect(scavenges, 'the young space has room').toBe(1);
    clock = 10;
    fill = 0.75;
    s.started();
    s.ended();
    expect(scavenges).toBe(2);
    // An end with nothing started (a close after a count was lost) never goes below none in flight.
    clock = 20;
    s.ended();
    expect(scavenges).toBe(3);
    clock = 30;
    s.started();
    s.started();
    s.ended();
    expect(scavenges, 'one of the two still in flight').toBe(3);
  });

  it('runs V8\'s scavenge for real, and leaves no `gc` behind for other code', async () => {
    const minor: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(entry.duration);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      const s = IdleScavenge.create(0);
      expect(s).toBeDefined();
      expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
      s!.started();
      s!.ended();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(minor.length).toBeGreaterThan(0);
    } finally {
      observer.disconnect();
    }
  });
});
