import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * The niceness of the processes that move events in the distributed mode, after the calls were
 * answered: the Kafka shipper and `periscope ingest`. At 10 each of their threads weighs 110
 * against a gateway thread's 1,024 on a contended core, and the gateway's threads are woken
 * first; events wait in the spool or in Kafka meanwhile, which is what those are for.
 * (docs/deployment.md says where it helps and where it does not.)
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
