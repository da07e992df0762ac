/**
 * N concurrent SSE streams through a system: time to the first body byte (TTFB) of each, every
 * stream read to `data: [DONE]`. The mock paces frames (its chunk interval), so the streams stay
 * open together long enough to sample the gateway's memory while they are. The clients are the Go
 * program in bench/stream-clients (one goroutine per stream), not this process, whose event loop
 * also runs the 50 ms memory sampler.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { goToolBinary } from '../go-tool.ts';
import { Histogram, type Percentiles } from '../histogram.ts';
import type { Target } from '../vegeta.ts';

/** A stream that has not ended after this counts as an error (a stalled gateway must not hang the run). */
const STREAM_TIMEOUT_S = 60;

/** Usage asked for explicitly, so the upstream stream is the same on every path. */
export const STREAM_BODY = JSON.stringify({
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
  /** Streams that opened a connection instead of reusing one the warm-up left open (0 normally). */
  newConns?: number;
  ttfbMs: Percentiles;
}

export interface StreamsOptions {
  /** Called every 50 ms while the measured wave is open (RSS sampling). */
  whileOpen?: () => void;
}

type ClientWave = Omit<StreamWave, 'ttfbMs'> & { ttfbNs?: number[] };

/**
 * A warm-up wave (opens the keep-alive connections, so the measured wave times streaming rather
 * than N simultaneous TCP handshakes; not recorded, but its answers are counted), then the
 * measured wave of `n` streams opened at once.
 */
export async function streams(target: Target, n: number, o: StreamsOptions = {}): Promise<{ warmUpAnswered: number; wave: StreamWave }> {
  const bin = await goToolBinary('stream-clients');
  const dir = await mkdtemp(join(tmpdir(), 'periscope-bench-streams-'));
  let sampler: NodeJS.Timeout | undefined;
  try {
    const bodyFile = join(dir, 'body.json');
    await writeFile(bodyFile, STREAM_BODY);
    const headers = Object.entries(target.headers).flatMap(([k, v]) => ['-header', `${k}: ${v}`]);
    // Its stdin stays open while we run: when this process dies, the clients stop too.
    const child = spawn(bin, ['-url', `${target.origin}/v1/chat/completions`, '-n', String(n), '-body-file', bodyFile, '-timeout', `${STREAM_TIMEOUT_S}s`, ...headers], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    // Awaited below; until then a failed spawn must not count as an unhandled rejection.
    exited.catch(() => undefined);
    child.stdin.on('error', () => undefined);
    let result: { warmUp: ClientWave; wave: ClientWave } | undefined;
    try {
      for await (const line of createInterface({ input: child.stdout })) {
        if (line === 'measuring') {
          o.whileOpen?.();
          if (o.whileOpen) sampler = setInterval(o.whileOpen, 50);
        } else if (line.startsWith('{')) {
          result = JSON.parse(line) as typeof result;
        }
      }
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    const code = await exited;
    child.stdin.end();
    if (code !== 0 || !result) throw new Error(`stream-clients exited with ${code}: ${stderr.trim().slice(0, 400)}`);
    const ttfb = new Histogram();
    for (const ns of result.wave.ttfbNs ?? []) ttfb.record(ns / 1e6);
    const { ttfbNs: _, ...wave } = result.wave;
    return { warmUpAnswered: result.warmUp.answered, wave: { ...wave, ttfbMs: ttfb.summary() } };
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}
