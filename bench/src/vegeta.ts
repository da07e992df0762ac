/**
 * vegeta (built by scripts/vegeta from the Go module proxy) as the load generator for plain
 * calls: open loop at a fixed rate (each request leaves on schedule whether or not earlier ones
 * finished, so a stall shows as latency instead of lowering the load), or closed loop with
 * `-rate=0` and a fixed number of workers for saturation. Latencies come from vegeta's JSON
 * report in nanoseconds and are kept in microseconds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listenOverflows } from './proc.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/vegeta', import.meta.url));

/** Where calls go: a gateway (or the mock itself) and the headers that path needs. */
export interface Target {
  origin: string;
  headers: Record<string, string>;
}

/** A small non-streamed chat call; the same body on every path and every call. */
export const CHAT_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Benchmark: say hello in one short sentence.' }],
});

export interface LatencyUs {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface VegetaResult {
  mode: 'open' | 'closed';
  /** Open loop: the rate asked for, per second. */
  offeredRate?: number;
  /** Closed loop: workers, each sending its next call when its last one ended. */
  workers?: number;
  durationS: number;
  requests: number;
  /** Calls that got an HTTP status back (vegeta's code 0 is a call with no answer: timeout, reset, refused). */
  answered: number;
  /** 2xx answers. */
  ok: number;
  /** Successful calls per second over the run and its drain (vegeta's throughput). */
  throughput: number;
  latencyUs: LatencyUs;
  statusCodes: Record<string, number>;
  errorSamples: string[];
  /** Connections the kernel refused because a listen backlog was full, during this run. */
  listenOverflows: number;
}

let binary: Promise<string> | undefined;

/** The cached vegeta binary, built on first use (2 min on this machine the first time). */
export function vegetaBinary(): Promise<string> {
  binary ??= run(SCRIPT, [], { maxBuffer: 16 * 2 ** 20, timeout: 15 * 60_000 }).then(({ stdout }) => stdout.trim().split('\n').at(-1) ?? '');
  return binary;
}

interface VegetaReport {
  latencies: { mean: number; '50th': number; '90th': number; '99th': number; max: number };
  requests: number;
  throughput: number;
  status_codes: Record<string, number> | null;
  errors: string[] | null;
}

export interface AttackOptions {
  /** Calls per second; 0 = closed loop with `workers`. */
  rate: number;
  workers?: number;
  durationS: number;
  /** Per call; an overloaded server's calls end as timeouts instead of stretching the run. */
  timeoutS?: number;
  /** The chat call's JSON body; CHAT_BODY when not given. */
  body?: string;
}

/** One vegeta attack of chat calls (the same body each) at `target`. */
export async function attack(target: Target, o: AttackOptions): Promise<VegetaResult> {
  const bin = await vegetaBinary();
  const dir = await mkdtemp(join(tmpdir(), 'periscope-bench-vegeta-'));
  try {
    const targets = join(dir, 'targets.json');
    const header: Record<string, string[]> = { 'Content-Type': ['application/json'] };
    for (const [k, v] of Object.entries(target.headers)) header[k] = [v];
    await writeFile(targets, `${JSON.stringify({
      method: 'POST', url: `${target.origin}/v1/chat/completions`, body: Buffer.from(o.body ?? CHAT_BODY).toString('base64'), header,
    })}\n`);
    const results = join(dir, 'results.bin');
    const load = o.rate > 0 ? [`-rate=${o.rate}/s`] : ['-rate=0', `-workers=${o.workers ?? 64}`, `-max-workers=${o.workers ?? 64}`];
    const overflowsBefore = listenOverflows();
    await run(bin, [
      'attack', '-format=json', `-targets=${targets}`, ...load, `-duration=${o.durationS}s`, `-timeout=${o.timeoutS ?? 10}s`, `-output=${results}`,
    ], { maxBuffer: 16 * 2 ** 20, timeout: (o.durationS + (o.timeoutS ?? 10) + 60) * 1000 });
    const overflows = listenOverflows() - overflowsBefore;
    const { stdout } = await run(bin, ['report', '-type=json', results], { maxBuffer: 64 * 2 ** 20 });
    const r = JSON.parse(stdout) as VegetaReport;
    const codes = r.status_codes ?? {};
    const count = (pred: (code: number) => boolean) => Object.entries(codes).reduce((n, [c, k]) => n + (pred(Number(c)) ? k : 0), 0);
    const us = (ns: number) => ns / 1000;
    return {
      mode: o.rate > 0 ? 'open' : 'closed',
      ...(o.rate > 0 ? { offeredRate: o.rate } : { workers: o.workers ?? 64 }),
      durationS: o.durationS,
      requests: r.requests,
      answered: count((c) => c !== 0),
      ok: count((c) => c >= 200 && c < 300),
      throughput: r.throughput,
      latencyUs: { mean: us(r.latencies.mean), p50: us(r.latencies['50th']), p90: us(r.latencies['90th']), p99: us(r.latencies['99th']), max: us(r.latencies.max) },
      statusCodes: codes,
      errorSamples: (r.errors ?? []).slice(0, 5).map((e) => e.slice(0, 200)),
      listenOverflows: overflows,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
