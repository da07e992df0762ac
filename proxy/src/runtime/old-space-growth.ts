import { setFlagsFromString } from 'node:v8';

/**
 * Caps how far V8 lets the old space grow after a mark-compact before it marks again: the next
 * limit becomes the live size times 1 + `percent`/100 (V8's `--heap-growing-percent`). Left to
 * itself V8 picks a factor of up to 4 on a machine with this much memory. A gateway that keeps
 * streaming moves each open stream's state to the old space, and its RSS grew past 300 MB between
 * mark-compacts; at a factor of 2 it stayed at 225-243 MB, with about as many waves of streams
 * slowed by a mark-compact (docs/benchmarks.md, "Six waves in a row"). V8 reads the flag each
 * time it sets the limit, so setting it at start takes effect. A `--heap-growing-percent` given
 * on node's command line is left as it is.
 */
export function capOldSpaceGrowth(percent: number, execArgv: readonly string[] = process.execArgv): boolean {
  if (percent <= 0 || execArgv.some((arg) => arg.replaceAll('_', '-').startsWith('--heap-growing-percent'))) return false;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
