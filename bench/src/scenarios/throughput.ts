import { closedLoop, type LoadResult } from '../load.ts';
import { withCpu, type BenchContext } from './context.ts';

export interface ThroughputLevel {
  concurrency: number;
  direct: LoadResult;
  periscope: LoadResult;
  gatewayCpuMsPerRequest: number;
}

export interface ThroughputResult {
  levels: ThroughputLevel[];
  bestDirectRps: number;
  bestPeriscopeRps: number;
  /** Periscope's best over the direct best: the share of the box's throughput that survives the gateway. */
  ratio: number;
}

/** Closed loop at several concurrencies, direct and through Periscope (logging on) back to back per level. */
export async function maxThroughput(ctx: BenchContext): Promise<ThroughputResult> {
  const durationMs = ctx.quick ? 3000 : 8000;
  const levels: ThroughputLevel[] = [];
  for (const concurrency of ctx.quick ? [32, 128] : [8, 32, 128, 512]) {
    const direct = await closedLoop(ctx.direct, concurrency, durationMs);
    const { result: periscope, cpuMs } = await withCpu(ctx.gateway, () => closedLoop(ctx.periscope, concurrency, durationMs));
    levels.push({ concurrency, direct, periscope, gatewayCpuMsPerRequest: cpuMs / Math.max(1, periscope.ok) });
  }
  const bestDirectRps = Math.max(...levels.map((l) => l.direct.rps));
  const bestPeriscopeRps = Math.max(...levels.map((l) => l.periscope.rps));
  return { levels, bestDirectRps, bestPeriscopeRps, ratio: bestPeriscopeRps / bestDirectRps };
}
