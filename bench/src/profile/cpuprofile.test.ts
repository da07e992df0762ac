import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summarizeProfile, type CpuProfile } from './cpuprofile.ts';

const PROC = new URL('../proc.ts', import.meta.url).href;
const frame = (id: number, functionName: string, url = '', lineNumber = -1, columnNumber = -1) => ({ id, callFrame: { functionName, url, lineNumber, columnNumber } });

/** Samples 1 ms apart from t = 1,000 µs: which node each one hit. */
function profile(hits: number[]): CpuProfile {
  return {
    nodes: [
      frame(1, '(root)'), frame(2, '(idle)'), frame(3, '(garbage collector)'),
      // tsx output: one line, so V8 says line 0 and a column.
      frame(4, 'rssBytes', PROC, 0, 812),
      frame(5, 'parseHeaders', 'file:///repo/node_modules/.pnpm/undici@7.1.0/node_modules/undici/lib/core/util.js', 435, 3),
      frame(6, 'parserOnIncoming', 'node:_http_server', 1025, 0),
    ],
    startTime: 0,
    endTime: 1000 * (hits.length + 1),
    samples: hits,
    timeDeltas: hits.map(() => 1000),
  };
}

describe('summarizeProfile', () => {
  it('ranks functions by self time, leaves idle out of the top, and owns each by package', () => {
    const s = summarizeProfile(profile([4, 4, 4, 5, 5, 6, 3, 2, 2, 2]), 10);
    expect(s.windowed).toBe(false);
    expect(s.windowMs).toBeCloseTo(10);
    expect(s.idlePercent).toBeCloseTo(30);
    expect(s.top.map((f) => f.function)).toEqual(['rssBytes', 'parseHeaders', 'parserOnIncoming', '(garbage collector)']);
    expect(s.top[0]!.percent).toBeCloseTo(30);
    expect(s.top[1]).toMatchObject({ location: 'undici/lib/core/util.js:436', group: 'undici' });
    expect(s.top[2]).toMatchObject({ location: 'node:_http_server:1026', group: 'node: http' });
    expect(s.groups.find((g) => g.group === 'periscope bench/src/proc.ts')?.percent).toBeCloseTo(30);
  });

  it('finds the source line of a TypeScript function that tsx compiled to one line', () => {
    const line = readFileSync(fileURLToPath(PROC), 'utf8').split('\n').findIndex((l) => l.startsWith('export function rssBytes(')) + 1;
    expect(line).toBeGreaterThan(1);
    expect(summarizeProfile(profile([4]), 5).top[0]!.location).toBe(`bench/src/proc.ts:${line}`);
  });

  it('counts only samples inside the window when one is given', () => {
    // Samples at 1..10 ms; the window 6–8 ms holds three of them (6, 7 and 8 ms): 5, 6 and 3.
    const s = summarizeProfile(profile([4, 4, 4, 4, 4, 5, 6, 3, 2, 2]), 10, 6000, 8000);
    expect(s.windowed).toBe(true);
    expect(s.windowMs).toBeCloseTo(3);
    expect(s.top.map((f) => f.function).sort()).toEqual(['(garbage collector)', 'parseHeaders', 'parserOnIncoming']);
  });

  it('falls back to the whole profile when no sample is in the window (another clock)', () => {
    const s = summarizeProfile(profile([4, 5]), 10, 1e12, 2e12);
    expect(s.windowed).toBe(false);
    expect(s.windowMs).toBeCloseTo(2);
  });
});
