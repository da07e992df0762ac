/**
 * N concurrent SSE streams through a system: time to the first body byte (TTFB) of each, every
 * stream read to `data: [DONE]`. The mock paces frames (its chunk interval), so the streams stay
 * open together long enough to sample the gateway's memory while they are.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { Histogram, type Percentiles } from '../histogram.ts';
import type { Target } from '../vegeta.ts';

/** A stream that has not ended after this counts as an error (a stalled gateway must not hang the run). */
const STREAM_TIMEOUT_MS = 60_000;

/** Usage asked for explicitly, so the upstream stream is the same on every path. */
const STREAM_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Benchmark: stream a short answer.' }],
});

export interface StreamWave {
  streams: number;
  /** Streams that got an HTTP status back (the gateway answered, so it owes a row). */
  answered: number;
  ok: number;
  errors: number;
  errorSamples: string[];
  ttfbMs: Percentiles;
}

async function streamOnce(pool: Pool, target: Target, ttfb: Histogram, wave: StreamWave): Promise<void> {
  const t0 = performance.now();
  try {
    const res = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: STREAM_BODY,
      signal: AbortSignal.timeout(STREAM_TIMEOUT_MS),
    });
    wave.answered += 1;
    let first = true;
    let text = '';
    for await (const chunk of res.body) {
      if (first) ttfb.record(performance.now() - t0);
      first = false;
      text += String(chunk);
    }
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 160)}`);
    if (!text.includes('data: [DONE]')) throw new Error('stream ended without data: [DONE]');
    wave.ok += 1;
  } catch (err) {
    wave.errors += 1;
    if (wave.errorSamples.length < 5) wave.errorSamples.push((err instanceof Error ? err.message : String(err)).slice(0, 200));
  }
}

export interface StreamsOptions {
  /** Called every 50 ms while the measured wave is open (RSS sampling). */
  whileOpen?: () => void;
}

/**
 * A warm-up wave (opens the keep-alive connections, so the measured wave times streaming rather
 * than N simultaneous TCP handshakes; not recorded, but its answers are counted), then the
 * measured wave of `n` streams opened at once.
 */
export async function streams(target: Target, n: number, o: StreamsOptions = {}): Promise<{ warmUpAnswered: number; wave: StreamWave }> {
  const pool = new Pool(target.origin, { connections: n, pipelining: 1, keepAliveTimeout: 30_000 });
  const fresh = (): StreamWave => ({ streams: n, answered: 0, ok: 0, errors: 0, errorSamples: [], ttfbMs: new Histogram().summary() });
  try {
    const warm = fresh();
    await Promise.all(Array.from({ length: n }, () => streamOnce(pool, target, new Histogram(), warm)));
    const ttfb = new Histogram();
    const wave = fresh();
    const sampler = o.whileOpen ? setInterval(o.whileOpen, 50) : undefined;
    o.whileOpen?.();
    try {
      await Promise.all(Array.from({ length: n }, () => streamOnce(pool, target, ttfb, wave)));
    } finally {
      clearInterval(sampler);
    }
    return { warmUpAnswered: warm.answered, wave: { ...wave, ttfbMs: ttfb.summary() } };
  } finally {
    await pool.destroy();
  }
}
