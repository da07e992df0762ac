import type { ChildHandle, ProcessStats } from '../child-protocol.ts';
import type { Target } from '../load.ts';

/** Everything a scenario needs; both targets reach the same mock process. */
export interface BenchContext {
  quick: boolean;
  mock: ChildHandle;
  gateway: ChildHandle;
  direct: Target;
  periscope: Target;
}

/** CPU milliseconds the child spent between two snapshots. */
export function cpuMsBetween(before: ProcessStats, after: ProcessStats): number {
  return (after.cpuUserUs - before.cpuUserUs + after.cpuSystemUs - before.cpuSystemUs) / 1000;
}

/** Runs `work` while measuring the child's CPU over exactly that span. */
export async function withCpu<T>(child: Pick<ChildHandle, 'stats'>, work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = await child.stats();
  const result = await work();
  const after = await child.stats();
  return { result, cpuMs: cpuMsBetween(before, after) };
}
