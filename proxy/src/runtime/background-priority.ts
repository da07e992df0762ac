import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { BackgroundPriority } from '@periscope/contract';

/** The niceness of `low`, and of `idle` where the idle policy cannot be set. */
const NICENESS: Record<Exclude<BackgroundPriority, 'normal'>, number> = { low: 10, idle: 19 };

/**
 * Lowers this process's CPU priority, never raises it: the processes that move events after the
 * calls were answered (the embedded store process, the Kafka shipper, `periscope ingest`), so that
 * on a shared core the calls' threads run first; events wait in the spool or in Kafka meanwhile,
 * which is what those are for. Call it before the process starts its own threads: Linux keeps a
 * priority per thread, every thread the process has now is lowered, and the threads started later
 * (chDB's pools, libuv's workers) inherit it from the thread that starts them.
 *
 * `idle` is Linux's SCHED_IDLE: a thread of the calls that wakes takes the core at once, where a
 * niced thread may still run out its time slice first (at 500 calls/s that slice was most of the
 * embedded default's added p99: docs/benchmarks.md). It is set with util-linux's `chrt` (Node has
 * no call for it); without `chrt`, or elsewhere than Linux, the process stays at niceness 19.
 * A refusal (a sandbox) leaves the priority as it was: calls keep theirs either way.
 */
export function runInBackground(priority: BackgroundPriority): void {
  if (priority === 'normal') return;
  lowerNiceness(NICENESS[priority]);
  if (priority === 'idle' && process.platform === 'linux') {
    try {
      execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // No chrt (not util-linux), or refused: niceness 19 stays.
    }
  }
}

function lowerNiceness(niceness: number): void {
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
      // The thread ended meanwhile, or the system refuses.
    }
  }
}
