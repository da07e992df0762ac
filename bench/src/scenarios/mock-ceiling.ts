import { closedLoop, type LoadResult } from '../load.ts';
import { withCpu, type BenchContext } from './context.ts';

export interface MockCeilingResult {
  runs: Array<LoadResult & { mockCpuMsPerRequest: number }>;
  bestRps: number;
}

/**
 * The mock alone at high concurrency. If its ceiling is well above what Periscope reaches, the
 * gateway numbers measure the gateway, not the mock.
 */
export async function mockCeiling(ctx: BenchContext): Promise<MockCeilingResult> {
  const durationMs = ctx.quick ? 4000 : 10_000;
  const runs: MockCeilingResult['runs'] = [];
  for (const concurrency of [64, 256]) {
    const { result, cpuMs } = await withCpu(ctx.mock, () => closedLoop(ctx.direct, concurrency, durationMs));
    runs.push({ ...result, mockCpuMsPerRequest: cpuMs / Math.max(1, result.ok) });
  }
  return { runs, bestRps: Math.max(...runs.map((r) => r.rps)) };
}
