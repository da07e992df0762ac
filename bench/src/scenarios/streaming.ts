import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { Histogram, type Percentiles } from '../histogram.ts';
import { poolFor, type Target } from '../load.ts';
import type { ChildHandle } from '../child-protocol.ts';
import { cpuMsBetween, type BenchContext } from './context.ts';

/** Mock frame interval for streamed calls (its `slow-stream-MS` scenario). */
export const FRAME_INTERVAL_MS = 20;

/**
 * Usage is asked for explicitly so the upstream stream is the same on both paths (Periscope adds
 * `include_usage` when the client did not, which would give the gateway path one more frame).
 */
const STREAM_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Benchmark: stream a short answer.' }],
});

export interface StreamSide {
  streams: number;
  errors: number;
  errorSamples: string[];
  /** Request sent → first body bytes. */
  ttftMs: Percentiles;
  /** Time between consecutive body reads of one stream. */
  gapMs: Percentiles;
  /** |gap − frame interval|: how far delivery strays from the upstream's pacing. */
  jitterMs: Percentiles;
}

export interface StreamingResult {
  concurrentStreams: number;
  frameIntervalMs: number;
  direct: StreamSide;
  periscope: StreamSide;
  addedTtftMs: { p50: number; p99: number };
  /** Before any stream was opened, and the highest sample while measured waves were open. */
  gatewayRssBytes: { before: number; peak: number };
  gatewayCpuMsPerStream: number;
}

class StreamTally {
  readonly ttft = new Histogram();
  readonly gap = new Histogram();
  readonly jitter = new Histogram();
  streams = 0;
  errors = 0;
  readonly samples: string[] = [];

  side(): StreamSide {
    return {
      streams: this.streams, errors: this.errors, errorSamples: this.samples,
      ttftMs: this.ttft.summary(), gapMs: this.gap.summary(), jitterMs: this.jitter.summary(),
    };
  }
}

async function streamOnce(pool: Pool, target: Target, tally: StreamTally | undefined): Promise<void> {
  const t0 = performance.now();
  try {
    const res = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'x-mock-scenario': `slow-stream-${FRAME_INTERVAL_MS}`, ...target.headers },
      body: STREAM_BODY,
    });
    let last = 0;
    let text = '';
    for await (const chunk of res.body) {
      const now = performance.now();
      text += String(chunk);
      if (last === 0) tally?.ttft.record(now - t0);
      else {
        tally?.gap.record(now - last);
        tally?.jitter.record(Math.abs(now - last - FRAME_INTERVAL_MS));
      }
      last = now;
    }
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 160)}`);
    if (!text.includes('data: [DONE]')) throw new Error('stream ended without data: [DONE]');
    if (tally) tally.streams += 1;
  } catch (err) {
    if (!tally) throw err;
    tally.errors += 1;
    if (tally.samples.length < 5) tally.samples.push(err instanceof Error ? err.message : String(err));
  }
}

/** One wave: `n` streams opened at once, each read to the end. */
async function wave(pool: Pool, target: Target, n: number, tally?: StreamTally): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => streamOnce(pool, target, tally)));
}

/**
 * N concurrent streams, direct and through Periscope. A first unrecorded wave opens the keep-alive
 * connections, so the measured waves time streaming rather than N simultaneous TCP handshakes.
 */
export function streaming(ctx: BenchContext): Promise<StreamingResult> {
  return streamingThrough(ctx.direct, { handle: ctx.gateway, target: ctx.periscope }, ctx.quick ? 200 : 1000);
}

/** The same waves through any gateway (Periscope, or a peer): `gateway.handle` is the process measured. */
export async function streamingThrough(
  directTarget: Target,
  gateway: { handle: Pick<ChildHandle, 'stats'>; target: Target },
  n: number,
): Promise<StreamingResult> {
  const rounds = 3;
  const ctx = { direct: directTarget, periscope: gateway.target, gateway: gateway.handle };
  const pools = { direct: poolFor(ctx.direct, n), periscope: poolFor(ctx.periscope, n) };
  const tallies = { direct: new StreamTally(), periscope: new StreamTally() };

  const beforeStreams = await ctx.gateway.stats();
  // Warm-up waves are not recorded, but a gateway failing some streams must not end the run:
  // its errors show in the measured waves' counts.
  await wave(pools.direct, ctx.direct, n, new StreamTally());
  await wave(pools.periscope, ctx.periscope, n, new StreamTally());
  let peakRss = beforeStreams.rssBytes;
  let gatewayCpuMs = 0;

  for (let i = 0; i < rounds; i++) {
    await wave(pools.direct, ctx.direct, n, tallies.direct);
    // RSS is sampled while the streams are open: the peak is the memory cost of N in flight.
    const before = await ctx.gateway.stats();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakRss = Math.max(peakRss, (await ctx.gateway.stats()).rssBytes);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await wave(pools.periscope, ctx.periscope, n, tallies.periscope);
    sampling = false;
    await sampler;
    gatewayCpuMs += cpuMsBetween(before, await ctx.gateway.stats());
  }
  await Promise.all([pools.direct.close(), pools.periscope.close()]);

  const direct = tallies.direct.side();
  const periscope = tallies.periscope.side();
  return {
    concurrentStreams: n,
    frameIntervalMs: FRAME_INTERVAL_MS,
    direct,
    periscope,
    addedTtftMs: { p50: periscope.ttftMs.p50 - direct.ttftMs.p50, p99: periscope.ttftMs.p99 - direct.ttftMs.p99 },
    gatewayRssBytes: { before: beforeStreams.rssBytes, peak: peakRss },
    gatewayCpuMsPerStream: gatewayCpuMs / Math.max(1, periscope.streams),
  };
}
