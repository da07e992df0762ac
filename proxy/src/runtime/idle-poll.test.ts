import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { IdlePoll } from './idle-poll.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A few turns of the event loop, so that a polling chain runs its checks. */
async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await nextTurn();
}

/** The share of `ms` this thread's event loop spent outside its poll's wait (1: it never slept). */
async function busyShare(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}

describe('IdlePoll: the event loop polls instead of sleeping for a while after each request', () => {
  it('polls until the window from the last touch has passed (on its clock)', async () => {
    let now = 1_000;
    const poll = new IdlePoll(100, () => now);
    expect(poll.polling).toBe(false);
    poll.touch();
    expect(poll.polling).toBe(true);
    now = 1_099;
    await turns();
    expect(poll.polling).toBe(true);
    poll.touch(); // a request at 1,099: the window now ends at 1,199
    now = 1_150;
    await turns();
    expect(poll.polling).toBe(true);
    now = 1_199;
    await turns();
    expect(poll.polling).toBe(false);
    poll.touch();
    expect(poll.polling).toBe(true);
    now = 1_400;
    await turns();
    expect(poll.polling).toBe(false);
  });

  it('stops for good: a touch after stop() does not poll, even in the same turn', async () => {
    let now = 0;
    const poll = new IdlePoll(100, () => now);
    poll.touch();
    poll.stop();
    poll.touch();
    await turns();
    expect(poll.polling).toBe(false);
    now = 50;
    poll.touch();
    await turns();
    expect(poll.polling).toBe(false);
  });

  it('keeps the real event loop from sleeping while it polls, and lets it sleep after', async () => {
    const poll = new IdlePoll(400);
    expect(await busyShare(60)).toBeLessThan(0.5);
    poll.touch();
    expect(await busyShare(100)).toBeGreaterThan(0.8);
    poll.stop();
    await turns();
    expect(poll.polling).toBe(false);
    expect(await busyShare(60)).toBeLessThan(0.5);
  });

  it('refuses a window that is not a positive number of milliseconds', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new IdlePoll(bad)).toThrow(RangeError);
  });
});
