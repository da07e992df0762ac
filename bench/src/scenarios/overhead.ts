import { openLoop, type LoadResult } from '../load.ts';
import { withCpu, type BenchContext } from './context.ts';

export interface OverheadRate {
  label: string;
  rate: number;
  direct: LoadResult;
  periscope: LoadResult;
  /** Periscope minus direct, percentile by percentile, in ms. */
  addedMs: { p50: number; p90: number; p99: number };
  /** Gateway CPU over the Periscope run divided by its calls: background work (chDB merges, timers) included. */
  gatewayCpuMsPerRequest: number;
  /** Gateway CPU with no load in the second before the run, in cores (1 = one core busy). */
  gatewayIdleCores: number;
}

/**
 * Fixed offered rates (open loop), direct then through Periscope with logging on. The highest rate
 * is a share of the saturation throughput found by the closed-loop run: at 100 % an open loop's
 * queue grows without bound and every percentile is queueing time, not gateway overhead.
 */
export const SUSTAINED_SHARE = 0.8;

export async function overhead(ctx: BenchContext, saturationRps: number): Promise<OverheadRate[]> {
  const durationMs = ctx.quick ? 4000 : 15_000;
  const rates = [
    { label: '100/s', rate: 100 },
    { label: '1,000/s', rate: 1000 },
    { label: `${Math.round(SUSTAINED_SHARE * 100)} % of saturation`, rate: Math.floor(saturationRps * SUSTAINED_SHARE) },
  ];
  const out: OverheadRate[] = [];
  for (const { label, rate } of rates) {
    if (rate < 1) continue;
    const direct = await openLoop(ctx.direct, rate, durationMs);
    // chDB merges and the batch writer keep working after a load ends; this second both lets the
    // previous run's work settle and shows how much of the per-call CPU is background.
    const idleMs = 1000;
    const { cpuMs: idleCpuMs } = await withCpu(ctx.gateway, () => new Promise((r) => setTimeout(r, idleMs)));
    const { result: periscope, cpuMs } = await withCpu(ctx.gateway, () => openLoop(ctx.periscope, rate, durationMs));
    const d = direct.latencyMs;
    const p = periscope.latencyMs;
    out.push({
      label, rate, direct, periscope,
      addedMs: { p50: p.p50 - d.p50, p90: p.p90 - d.p90, p99: p.p99 - d.p99 },
      gatewayCpuMsPerRequest: cpuMs / Math.max(1, periscope.ok),
      gatewayIdleCores: idleCpuMs / idleMs,
    });
  }
  return out;
}
