import { availableParallelism } from 'node:os';

/** The V8 flag that keeps garbage collection on the event loop's thread. */
export const SINGLE_THREADED_GC = '--single-threaded-gc';

/**
 * What a gateway should log at start about V8's garbage-collection threads, or undefined when
 * there is nothing to say. V8 marks and sweeps the old space and scavenges the young one partly
 * on helper threads. A gateway confined to one CPU (taskset, a cpuset) shares that CPU between
 * those helpers and its event loop, and the kernel gives a woken helper the CPU for a whole time
 * slice while calls wait: at 2,000 calls/s every old-space collection stalled the calls for
 * 30-45 ms, which made most of the p99 (docs/benchmarks.md, "Garbage collection on one core").
 * `--single-threaded-gc` does the same work on the event loop's thread, in small steps between
 * calls. V8 takes it only on node's command line (set at run time it aborts the process, and
 * NODE_OPTIONS refuses it), so the gateway can only advise it. With more CPUs the helpers run
 * beside the event loop and the flag is no gain (docs/deployment.md).
 */
export function gcThreadsAdvice(cpus = availableParallelism(), execArgv: readonly string[] = process.execArgv): string | undefined {
  if (cpus > 1 || execArgv.includes(SINGLE_THREADED_GC)) return undefined;
  return `this gateway may run on one CPU only, shared with V8's garbage-collection threads: start it as \`node ${SINGLE_THREADED_GC} dist/periscope.mjs ...\` for a lower p99 (docs/deployment.md#one-cpu-per-gateway)`;
}
