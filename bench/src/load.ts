import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { Histogram, type Percentiles } from './histogram.ts';

/** Where a scenario sends its calls: the mock directly, or a gateway (Periscope or a peer) in front of it. */
export interface Target {
  name: 'direct' | 'periscope' | 'portkey' | 'litellm';
  origin: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  target: Target['name'];
  mode: 'closed' | 'open';
  /** Closed loop: in-flight requests. Open loop: undefined. */
  concurrency?: number;
  /** Open loop: the rate asked for. */
  offeredRps?: number;
  durationS: number;
  ok: number;
  errors: number;
  errorSamples: string[];
  /** Successful responses per second over the whole run, drain included. */
  rps: number;
  latencyMs: Percentiles;
}

/** A small non-streamed chat call; the same body every time so the mock's prompt memory stays tiny. */
export const CHAT_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Benchmark: say hello in one short sentence.' }],
});

/** Keep-alive pool sized so a closed loop never waits for a socket (that would hide latency). */
export function poolFor(target: Target, connections: number): Pool {
  return new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
}

/** One non-streamed call; throws on anything but a 200 so the generator can count it. */
export async function chatOnce(pool: Pool, target: Target): Promise<void> {
  const res = await pool.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: CHAT_BODY,
  });
  // The body must be read whole: the call is not over for the client until it is.
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 160)}`);
}

class Tally {
  readonly hist = new Histogram();
  ok = 0;
  errors = 0;
  readonly samples: string[] = [];

  fail(err: unknown): void {
    this.errors += 1;
    if (this.samples.length < 5) this.samples.push(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Closed loop: `concurrency` workers, each sends its next call when the last one ended. Finds the
 * saturation throughput; its latencies are not service latencies at a given load (a slow server
 * slows the offered load too), which is why overhead is measured open-loop.
 */
export async function closedLoop(target: Target, concurrency: number, durationMs: number): Promise<LoadResult> {
  const pool = poolFor(target, concurrency);
  const tally = new Tally();
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await chatOnce(pool, target);
        tally.hist.record(performance.now() - t0);
        tally.ok += 1;
      } catch (err) {
        tally.fail(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedS = (performance.now() - start) / 1000;
  await pool.close();
  return {
    target: target.name, mode: 'closed', concurrency, durationS: elapsedS,
    ok: tally.ok, errors: tally.errors, errorSamples: tally.samples, rps: tally.ok / elapsedS, latencyMs: tally.hist.summary(),
  };
}

/**
 * Open loop at a fixed rate: call i is due at start + i/rate whether or not earlier calls ended,
 * and its latency is counted from that due time, so a stalled server shows up as queueing delay
 * instead of silently lowering the load (coordinated omission).
 */
export async function openLoop(target: Target, rate: number, durationMs: number, maxConnections = 512): Promise<LoadResult> {
  const pool = poolFor(target, maxConnections);
  const tally = new Tally();
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let issued = 0;
  const fire = (due: number) => {
    const p = chatOnce(pool, target).then(
      () => {
        tally.hist.record(performance.now() - due);
        tally.ok += 1;
      },
      (err: unknown) => tally.fail(err),
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  while (issued < total) {
    const dueNow = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; issued < dueNow; issued++) fire(start + (issued * 1000) / rate);
    // Timers fire at ~1 ms granularity; calls that fell due meanwhile go out in the next batch.
    if (issued < total) await sleep(1);
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  await pool.close();
  return {
    target: target.name, mode: 'open', offeredRps: rate, durationS: elapsedS,
    ok: tally.ok, errors: tally.errors, errorSamples: tally.samples, rps: tally.ok / elapsedS, latencyMs: tally.hist.summary(),
  };
}
