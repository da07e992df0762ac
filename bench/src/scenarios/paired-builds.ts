/**
 * Two builds of Periscope's `proxy` role side by side: both started (each with its own `periscope
 * ingest`, on the run's broker), both on the gateway core, warmed up, each given one unmeasured
 * call of streams; then their streams calls alternate in pairs, A B, B A, A B, ... On a host whose
 * speed drifts from one wave to the next, rounds of one build after the other differ by more than
 * a change of a few percent; calls this close together, with the order balanced, separate it
 * (docs/benchmarks.md, "A stream's chunks pushed to the relay").
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { placeTree } from '../pinning.ts';
import { cpuSeconds } from '../proc.ts';
import { startProxyRole } from '../systems/periscope.ts';
import type { Environment, RunningSystem } from '../systems/system.ts';
import { attack } from '../vegeta.ts';
import { median } from './summary.ts';
import { catchUp } from './system-round.ts';
import { streams } from './streams.ts';

/** One build's streams call in a pair: its gateway's CPU and collector over the call's two waves, and the measured wave. */
export interface PairedCall {
  cpuUsPerStream: number;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  errors: number;
  /** Scavenges over the call, and their main-thread time (the gateway's own GC metrics). */
  scavenges: number;
  scavengeMs: number;
  /** Mark-compact time over the call: its final pauses and its incremental marking steps. */
  markMs: number;
}

export interface Pair {
  a: PairedCall;
  b: PairedCall;
  /** B's call came first in this pair. */
  bFirst: boolean;
  /** Which start of the two gateways served it (0, then 1 after the first restart, ...). */
  block: number;
}

/** A mean over pairs with its standard error (NaN with fewer than two pairs). */
export interface Estimate {
  mean: number;
  se: number;
}

export interface PairedSummary {
  medianCpuUsPerStream: [a: number, b: number];
  medianTtfbP99Ms: [a: number, b: number];
  medianScavengeMs: [a: number, b: number];
  /** B minus A, per pair: the estimate (the order is balanced over an even number of pairs). */
  cpuDiffUs: Estimate;
  /** The same, over the pairs where B came second, and where it came first: the order's own effect shows as their gap. */
  meanCpuDiffUsBSecond: number;
  meanCpuDiffUsBFirst: number;
  ttfbP99DiffMs: Estimate;
  /**
   * With restarts: B - A averaged per block of pairs, then over blocks. Pairs of one block share
   * their processes' JIT state, so the blocks, not the pairs, are the independent samples.
   */
  blocks: number;
  cpuDiffUsByBlock: Estimate;
  ttfbP99DiffMsByBlock: Estimate;
  scavengesDiff: Estimate;
  scavengeMsDiff: Estimate;
  markMsDiff: Estimate;
}

const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length);

/**
 * Mean and standard error of per-pair differences. On a host whose speed drifts, two calls of the
 * same build differ by more than most changes (docs/benchmarks.md, "An event written without its
 * JSON string": an A/A run's medians 110 µs apart): only the standard error says what separates.
 */
export function estimate(values: readonly number[]): Estimate {
  const m = mean(values);
  if (values.length < 2) return { mean: m, se: Number.NaN };
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1);
  return { mean: m, se: Math.sqrt(variance / values.length) };
}

export function pairedSummary(pairs: readonly Pair[]): PairedSummary {
  const diffs = (of: readonly Pair[], field: (c: PairedCall) => number) => of.map((p) => field(p.b) - field(p.a));
  const cpu = (c: PairedCall) => c.cpuUsPerStream;
  const blocks = [...new Set(pairs.map((p) => p.block))].map((block) => pairs.filter((p) => p.block === block));
  const both = (field: (c: PairedCall) => number): [number, number] => [median(pairs.map((p) => field(p.a))), median(pairs.map((p) => field(p.b)))];
  return {
    medianCpuUsPerStream: both(cpu),
    medianTtfbP99Ms: both((c) => c.ttfbP99Ms),
    medianScavengeMs: both((c) => c.scavengeMs),
    cpuDiffUs: estimate(diffs(pairs, cpu)),
    meanCpuDiffUsBSecond: mean(diffs(pairs.filter((p) => !p.bFirst), cpu)),
    meanCpuDiffUsBFirst: mean(diffs(pairs.filter((p) => p.bFirst), cpu)),
    ttfbP99DiffMs: estimate(diffs(pairs, (c) => c.ttfbP99Ms)),
    blocks: blocks.length,
    cpuDiffUsByBlock: estimate(blocks.map((of) => mean(diffs(of, cpu)))),
    ttfbP99DiffMsByBlock: estimate(blocks.map((of) => mean(diffs(of, (c) => c.ttfbP99Ms)))),
    scavengesDiff: estimate(diffs(pairs, (c) => c.scavenges)),
    scavengeMsDiff: estimate(diffs(pairs, (c) => c.scavengeMs)),
    markMsDiff: estimate(diffs(pairs, (c) => c.markMs)),
  };
}

const GC_METRIC = /^periscope_nodejs_gc_duration_seconds_(sum|count)\{kind="(minor|major|incremental)"\} (\S+)$/m;

/** Totals since start from a gateway's /metrics text (prom-client's GC histogram, by kind). */
export function gcTotals(metricsText: string): { scavenges: number; scavengeMs: number; markMs: number } {
  const totals = { scavenges: 0, scavengeMs: 0, markMs: 0 };
  for (const line of metricsText.split('\n')) {
    const m = GC_METRIC.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[2] === 'minor') {
      if (m[1] === 'count') totals.scavenges += value;
      else totals.scavengeMs += value * 1000;
    } else if (m[1] === 'sum') {
      totals.markMs += value * 1000;
    }
  }
  return totals;
}

async function readGc(metricsUrl: string) {
  return gcTotals(await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text());
}

export interface PairedPlan {
  /**
   * The two CLI bundles, each in a build directory at the repository's root (`dist-base/periscope.mjs`,
   * `dist/periscope.mjs`): a build's links to its packages and its modules' source locations are
   * relative to it, so a copy of `dist/` works beside it and nowhere deeper.
   */
  builds: [a: string, b: string];
  pairs: number;
  streams: number;
  warmUpS: number;
  /** Start both gateways afresh every this many pairs (an even number; 0: never). */
  restartEvery: number;
}

async function startBuild(env: Environment, cli: string): Promise<RunningSystem> {
  env.cli = cli;
  try {
    return await startProxyRole(env);
  } finally {
    env.cli = undefined;
  }
}

async function call(sys: RunningSystem, n: number): Promise<PairedCall> {
  const pid = sys.gateway!.pid;
  const metricsUrl = sys.logging!.gatewayMetricsUrl;
  // Read outside the CPU window: a scrape costs the gateway some.
  const gcBefore = await readGc(metricsUrl);
  const before = cpuSeconds(pid);
  const { wave } = await streams(sys.target, n);
  const cpu = cpuSeconds(pid) - before;
  const gcAfter = await readGc(metricsUrl);
  return {
    cpuUsPerStream: (cpu * 1e6) / (2 * n),
    ttfbP50Ms: wave.ttfbMs.p50,
    ttfbP99Ms: wave.ttfbMs.p99,
    errors: wave.errors,
    scavenges: gcAfter.scavenges - gcBefore.scavenges,
    scavengeMs: gcAfter.scavengeMs - gcBefore.scavengeMs,
    markMs: gcAfter.markMs - gcBefore.markMs,
  };
}

/** Both builds started, warmed up and given one unmeasured streams call. */
async function startBoth(env: Environment, plan: PairedPlan): Promise<RunningSystem[]> {
  const systems: RunningSystem[] = [];
  try {
    for (const cli of plan.builds) systems.push(await startBuild(env, cli));
    for (const sys of systems) {
      placeTree(env.pinning, sys.gateway!.pid, sys.childRole, true);
      const warm = await attack(sys.target, { rate: 0, workers: 8, durationS: plan.warmUpS });
      if (sys.logging) await catchUp(sys.logging, warm.answered, 30_000);
      // The first streams after a start are slower (docs/benchmarks.md, "The first 1,000 streams after a start").
      await streams(sys.target, plan.streams);
    }
    return systems;
  } catch (err) {
    for (const sys of systems) await sys.stop();
    throw err;
  }
}

export async function pairedBuilds(env: Environment, plan: PairedPlan): Promise<{ pairs: Pair[]; summary: PairedSummary }> {
  let systems: RunningSystem[] = [];
  let block = -1;
  try {
    const pairs: Pair[] = [];
    for (let p = 0; p < plan.pairs; p++) {
      if (systems.length === 0 || (plan.restartEvery > 0 && p % plan.restartEvery === 0)) {
        for (const sys of systems) await sys.stop();
        systems = [];
        systems = await startBoth(env, plan);
        block++;
      }
      const [a, b] = systems as [RunningSystem, RunningSystem];
      const bFirst = p % 2 === 1;
      const calls = new Map<RunningSystem, PairedCall>();
      for (const sys of bFirst ? [b, a] : [a, b]) {
        placeTree(env.pinning, sys.gateway!.pid, sys.childRole, true);
        await sleep(500);
        calls.set(sys, await call(sys, plan.streams));
      }
      pairs.push({ a: calls.get(a)!, b: calls.get(b)!, bFirst, block });
      const last = pairs.at(-1)!;
      env.log(`  pair ${p + 1}/${plan.pairs}${bFirst ? ' (B first)' : ''}${plan.restartEvery > 0 ? `, start ${block + 1}` : ''}: CPU per stream A ${last.a.cpuUsPerStream.toFixed(0)} µs, B ${last.b.cpuUsPerStream.toFixed(0)} µs; TTFB p99 A ${last.a.ttfbP99Ms.toFixed(0)} ms, B ${last.b.ttfbP99Ms.toFixed(0)} ms; scavenges A ${last.a.scavenges} (${last.a.scavengeMs.toFixed(0)} ms), B ${last.b.scavenges} (${last.b.scavengeMs.toFixed(0)} ms)`);
    }
    return { pairs, summary: pairedSummary(pairs) };
  } finally {
    for (const sys of systems) await sys.stop();
  }
}

const pm = (e: Estimate, digits = 0) => `${e.mean.toFixed(digits)} ± ${e.se.toFixed(digits)}`;

export function pairedMarkdown(plan: PairedPlan, pairs: readonly Pair[], s: PairedSummary, when: string): string {
  const rows = pairs.map((p, i) => `| ${i + 1} | ${p.bFirst ? 'B A' : 'A B'} | ${p.a.cpuUsPerStream.toFixed(0)} | ${p.b.cpuUsPerStream.toFixed(0)} | ${p.a.ttfbP99Ms.toFixed(0)} | ${p.b.ttfbP99Ms.toFixed(0)} | ${p.a.scavenges} / ${p.a.scavengeMs.toFixed(0)} | ${p.b.scavenges} / ${p.b.scavengeMs.toFixed(0)} | ${p.a.errors + p.b.errors} |`);
  return [
    `### Paired builds (${when}): A \`${plan.builds[0]}\`, B \`${plan.builds[1]}\``,
    '',
    `The \`proxy\` role of each build side by side on the gateway core, ${plan.pairs} pairs of streams calls (${plan.streams} streams a wave, a warm-up wave and a measured wave a call), the order alternated${plan.restartEvery > 0 ? `, both gateways started afresh every ${plan.restartEvery} pairs` : ''}. B - A per pair: mean ± standard error.`,
    '',
    '| pair | order | A CPU µs/stream | B CPU µs/stream | A TTFB p99 ms | B TTFB p99 ms | A scavenges / ms | B scavenges / ms | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `- CPU per stream, medians: A ${s.medianCpuUsPerStream[0].toFixed(0)}, B ${s.medianCpuUsPerStream[1].toFixed(0)} µs; B - A ${pm(s.cpuDiffUs)} µs (B second ${s.meanCpuDiffUsBSecond.toFixed(0)}, B first ${s.meanCpuDiffUsBFirst.toFixed(0)}: half their gap is the order's own effect).`,
    `- Measured wave's TTFB p99, medians: A ${s.medianTtfbP99Ms[0].toFixed(0)}, B ${s.medianTtfbP99Ms[1].toFixed(0)} ms; B - A ${pm(s.ttfbP99DiffMs)} ms.`,
    ...(s.blocks > 1 ? [`- Over the ${s.blocks} starts of both gateways (every ${plan.restartEvery} pairs; the pairs of one start share its processes' JIT state): B - A per start, then over starts, CPU ${pm(s.cpuDiffUsByBlock)} µs, TTFB p99 ${pm(s.ttfbP99DiffMsByBlock)} ms.`] : []),
    `- The collector per call (the gateway's main thread): scavenge time, medians, A ${s.medianScavengeMs[0].toFixed(0)}, B ${s.medianScavengeMs[1].toFixed(0)} ms; B - A: scavenges ${pm(s.scavengesDiff, 1)}, their time ${pm(s.scavengeMsDiff, 1)} ms, mark-compact time ${pm(s.markMsDiff, 1)} ms.`,
    '',
  ].join('\n');
}
