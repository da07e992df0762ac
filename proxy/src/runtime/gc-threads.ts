import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The V8 flag that keeps garbage collection on the event loop's thread. */
export const SINGLE_THREADED_GC = '--single-threaded-gc';

/**
 * What a gateway should log at start about V8's garbage-collection threads, or undefined when
 * there is nothing to say. V8 marks and sweeps the old space and scavenges the young one partly
 * on helper threads. A gateway confined to one CPU (taskset, a cpuset) shares that CPU between
 * those helpers and its event loop, and the kernel gives a woken helper the CPU for a whole time
 * slice while calls wait: at 2,000 calls/s the largest stalls of the calls (slowest calls 36-45 ms)
 * each followed an old-space collection, and they made the p99 (docs/benchmarks.md, "Garbage
 * collection on one core"). `--single-threaded-gc` does the same work on the event loop's thread,
 * in small steps between calls. V8 takes it only on node's command line (set at run time it
 * aborts the process, and NODE_OPTIONS refuses it), so the gateway can only advise it. With more
 * CPUs the helpers run beside the event loop and the flag was no gain (docs/deployment.md).
 */
export function gcThreadsAdvice(cpus = cpusAllowed(), execArgv: readonly string[] = process.execArgv): string | undefined {
  if (cpus > 1 || execArgv.some(keepsGcOnMainThread)) return undefined;
  return `this gateway may run on one CPU only, shared with V8's garbage-collection threads: start it as \`node ${SINGLE_THREADED_GC} dist/periscope.mjs ...\` for a lower p99 (docs/deployment.md#one-cpu-per-gateway)`;
}

/** V8 reads `_` and `-` alike in flag names; `--single-threaded` implies the GC flag. */
const keepsGcOnMainThread = (arg: string): boolean => ['--single-threaded-gc', '--single-threaded'].includes(arg.replaceAll('_', '-'));

/**
 * The CPUs this process may run on (its affinity: taskset, a cpuset). Read from /proc rather
 * than `availableParallelism()`, which in newer libuv also counts a cgroup's CPU quota (Docker's
 * `--cpus`): a quota still lets the helper threads run on another CPU at the same time, the
 * layout where the flag was no gain.
 */
function cpusAllowed(): number {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (list !== undefined) return list.split(',').reduce((n, range) => {
      const [first, last = first] = range.split('-').map(Number);
      return n + (last! - first! + 1);
    }, 0);
  } catch {
    // not Linux
  }
  return availableParallelism();
}
