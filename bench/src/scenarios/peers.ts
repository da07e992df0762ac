import { chatOnce, closedLoop, openLoop, poolFor, type LoadResult } from '../load.ts';
import type { StartedPeer } from '../peers.ts';
import { withCpu, type BenchContext } from './context.ts';
import type { OverheadRate } from './overhead.ts';
import { streamingThrough, type StreamingResult } from './streaming.ts';
import type { ThroughputResult } from './throughput.ts';

/** The open-loop rate at which a peer's added latency is compared with Periscope's (full runs add 100/s). */
export const PEER_RATE = 1000;

export interface PeerLatency {
  rate: number;
  /** Direct-to-mock baseline taken just before the peer's run. */
  direct: LoadResult;
  peer: LoadResult;
  addedMs: { p50: number; p90: number; p99: number };
  cpuMsPerRequest: number;
  /** Periscope's added p99 at the same rate (its own overhead row) over the peer's; NaN when the peer added nothing. */
  periscopeP99Ratio: number;
}

export interface PeerResult {
  name: StartedPeer['target']['name'];
  /** What ran (package, version, how started); for a skipped peer, its name. */
  label: string;
  /** Set when the peer was not measured: why. */
  skipped?: string;
  throughput?: {
    levels: Array<{ concurrency: number; peer: LoadResult; cpuMsPerRequest: number }>;
    bestRps: number;
    /** Periscope's best closed-loop throughput over the peer's. */
    periscopeRatio: number;
  };
  /** One entry per open-loop rate, 1,000/s last. */
  latency?: PeerLatency[];
  /** Peer process RSS after its runs (from /proc). */
  rssBytes?: number;
  /** Full runs: the same concurrent streams as Periscope's streaming row, through the peer. */
  streaming?: StreamingResult & { periscopeTtftP99Ratio: number };
}

/**
 * The same closed-loop and 1,000/s open-loop load as Periscope's rows, through a peer that
 * forwards to the same mock. Periscope's gateway is stopped by then, so each gateway had the cores
 * to itself. Quick mode runs the closed loop only at the concurrency where Periscope peaked.
 */
export async function measurePeer(
  ctx: Pick<BenchContext, 'quick' | 'direct'>,
  peer: StartedPeer,
  periscope: { throughput: ThroughputResult; overhead: OverheadRate[]; streaming?: StreamingResult },
): Promise<PeerResult> {
  const { target, handle } = peer;
  const base = { name: target.name, label: peer.label };
  // One call first: a peer that cannot reach the mock is a skip with its answer, not a row of errors.
  const pool = poolFor(target, 1);
  try {
    await chatOnce(pool, target);
  } catch (err) {
    return { ...base, skipped: `skipped: first call failed: ${err instanceof Error ? err.message : String(err)}`.replaceAll('|', '/') };
  } finally {
    await pool.close();
  }
  const warm = await closedLoop(target, 16, ctx.quick ? 1000 : 3000);
  if (warm.errors > warm.ok) return { ...base, skipped: `skipped: warm-up failed: ${warm.errorSamples.join('; ')}`.replaceAll('|', '/') };

  const t = periscope.throughput;
  const periscopeBest = t.levels.reduce((a, b) => (b.periscope.rps > a.periscope.rps ? b : a));
  const concurrencies = ctx.quick ? [periscopeBest.concurrency] : t.levels.map((l) => l.concurrency);
  const durationMs = ctx.quick ? 3000 : 8000;
  const levels: NonNullable<PeerResult['throughput']>['levels'] = [];
  for (const concurrency of concurrencies) {
    const { result, cpuMs } = await withCpu(handle, () => closedLoop(target, concurrency, durationMs));
    levels.push({ concurrency, peer: result, cpuMsPerRequest: cpuMs / Math.max(1, result.ok) });
  }
  const bestRps = Math.max(...levels.map((l) => l.peer.rps));

  // Shorter than Periscope's 4 s in quick mode to keep `--quick` under two minutes, and for a peer
  // whose closed-loop best is below the rate: its queue only grows, so a longer run only adds drain time.
  // Full runs also measure 100/s, a rate every peer sustains, so added latency is not only queueing.
  const latency: PeerLatency[] = [];
  for (const rate of ctx.quick ? [PEER_RATE] : [100, PEER_RATE]) {
    const openMs = ctx.quick || bestRps < rate ? 3000 : 15_000;
    const direct = await openLoop(ctx.direct, rate, openMs);
    const { result: run, cpuMs } = await withCpu(handle, () => openLoop(target, rate, openMs));
    const d = direct.latencyMs;
    const p = run.latencyMs;
    const addedMs = { p50: p.p50 - d.p50, p90: p.p90 - d.p90, p99: p.p99 - d.p99 };
    const periscopeAt = periscope.overhead.find((o) => o.rate === rate);
    latency.push({
      rate, direct, peer: run, addedMs,
      cpuMsPerRequest: cpuMs / Math.max(1, run.ok),
      periscopeP99Ratio: periscopeAt && addedMs.p99 > 0 ? periscopeAt.addedMs.p99 / addedMs.p99 : NaN,
    });
  }
  let streams: PeerResult['streaming'];
  if (!ctx.quick && periscope.streaming) {
    const s = await streamingThrough(ctx.direct, { handle, target }, periscope.streaming.concurrentStreams);
    streams = { ...s, periscopeTtftP99Ratio: s.addedTtftMs.p99 > 0 ? periscope.streaming.addedTtftMs.p99 / s.addedTtftMs.p99 : NaN };
  }
  return {
    ...base,
    streaming: streams,
    throughput: { levels, bestRps, periscopeRatio: t.bestPeriscopeRps / bestRps },
    latency,
    rssBytes: (await handle.stats()).rssBytes,
  };
}
