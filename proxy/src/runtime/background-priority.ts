import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * The niceness of the processes that move events after the calls were answered: the Kafka
 * shipper, the embedded store process and `periscope ingest`. At 10 the scheduler gives a busy
 * gateway (or its upstream, on a shared machine) about nine tenths of a contended core, and wakes it
 * first; events wait in the spool or in Kafka meanwhile, which is what those are for.
 */
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers this process's CPU priority to `niceness`, never raises it. Linux keeps a niceness per
 * thread: every thread the process has now is lowered, and threads it starts later (chDB's
 * pools, libuv's workers) inherit it from the thread that starts them. Elsewhere only the
 * calling thread or process changes. A refusal (a sandbox) leaves the priority as it was.
 */
export function runInBackground(niceness = BACKGROUND_NICENESS): void {
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0];
  }
  for (const tid of threads) {
    try {
      if (getPriority(tid) < niceness) setPriority(tid, niceness);
    } catch {
      // The thread ended meanwhile, or the system refuses: calls keep their priority either way.
    }
  }
}
