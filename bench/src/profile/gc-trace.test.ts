import { describe, expect, it } from 'vitest';
import { summarizeGcTrace } from './gc-trace.ts';

const TRACE = [
  '{"level":30,"msg":"request completed"}',
  '[4242:0x1fe75490]       17 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 1.21 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
  '[4242:0x1fe75490]      848 ms: Mark-Compact 401.0 (436.8) -> 330.0 (365.9) MB, 183.75 / 0.01 ms  (+ 17.7 ms in 53 steps since start of marking, biggest step 3.4 ms) (average mu = 0.627, current mu = 0.627) finalize incremental marking via stack guard; GC in old space requested',
  '[4242:0x1fe75490]      900 ms: Scavenge 5.1 (6.3) -> 4.8 (8.3) MB, 0.79 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
  // Another process writing to the same log (a child that inherited --trace-gc).
  '[5151:0x2fe75490]       20 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 9.00 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
].join('\n');

describe('summarizeGcTrace', () => {
  it('sums the main-thread pauses of one process by collector', () => {
    const gc = summarizeGcTrace(TRACE, 4242);
    expect(gc.count).toBe(3);
    expect(gc.byKind.Scavenge).toEqual({ count: 2, pauseMs: 2 });
    expect(gc.byKind['Mark-Compact']).toEqual({ count: 1, pauseMs: 183.75 });
    expect(gc.totalPauseMs).toBeCloseTo(185.75);
    expect(gc.maxPauseMs).toBe(183.75);
  });

  it('ignores other processes and other lines', () => {
    expect(summarizeGcTrace(TRACE, 5151)).toMatchObject({ count: 1, totalPauseMs: 9 });
    expect(summarizeGcTrace('no gc here', 4242).count).toBe(0);
  });
});
