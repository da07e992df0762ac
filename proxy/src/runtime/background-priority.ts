import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
 * A refusal (a sandbox) leaves the priority as it was: calls keep theirs either way. Returns
 * what could not be done, for the caller to log; undefined when every thread runs as asked.
 */
export function runInBackground(priority: BackgroundPriority): string | undefined {
  if (priority === 'normal') return undefined;
  lowerNiceness(NICENESS[priority]);
  if (priority === 'low') return undefined;
  if (process.platform !== 'linux') return 'logging.background_priority idle: SCHED_IDLE is a Linux policy; running at niceness 19';
  let failure = '';
  // A thread that ends while chrt walks the list can stop it short: a second pass sets the rest.
  for (let pass = 0; pass < 2; pass++) {
    try {
      execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
    } catch (err) {
      failure = (err as Error).message;
    }
    if (threadsNotIdle() === 0) return undefined;
  }
  return `logging.background_priority idle: ${threadsNotIdle()} thread(s) not under SCHED_IDLE (${failure || 'chrt left them'}); running at niceness 19`;
}

/** This process's threads under another policy than SCHED_IDLE (5), from /proc (field 41 of a thread's stat). */
function threadsNotIdle(): number {
  let count = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38] !== '5') count++;
    } catch {
      // ended meanwhile
    }
  }
  return count;
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
