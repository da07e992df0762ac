import { readdir, readFile } from 'node:fs/promises';
import { getPriority } from 'node:os';

/** Linux's scheduling policies, as /proc/<pid>/task/<tid>/stat reports them. */
export const SCHED_OTHER = 0;
export const SCHED_IDLE = 5;

export interface ThreadPriority {
  name: string;
  niceness: number;
  /** SCHED_OTHER, SCHED_IDLE, ... */
  policy: number;
}

/**
 * The priority of each live thread of `pid` (Linux keeps one per thread), leaving out
 * ClickHouse's memory tracker, which chDB raises to -20 itself when it may (as root). Threads that
 * end while they are read (chDB's pools let idle threads go) are left out too.
 */
export async function threadPriorities(pid: number): Promise<ThreadPriority[]> {
  const out: ThreadPriority[] = [];
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const name = await readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8').catch(() => undefined);
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (name === undefined || stat === undefined || name.trim() === 'MemoryWorker') continue;
    try {
      // The fields after the command's closing parenthesis start at field 3; the policy is field 41.
      const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
      out.push({ name: name.trim(), niceness: getPriority(Number(tid)), policy });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** The threads of `pid` that run under another policy than SCHED_IDLE: none for a process in the background. */
export async function threadsNotIdle(pid: number): Promise<ThreadPriority[]> {
  const threads = await threadPriorities(pid);
  if (threads.length === 0) throw new Error(`no threads read for ${pid}`);
  return threads.filter((t) => t.policy !== SCHED_IDLE);
}

/**
 * The part of the environment a test's parseConfig needs to keep the suite's background priority
 * (vitest.config.ts): for configs whose shipper or store process the test starts.
 */
export function suitePriorityEnv(): NodeJS.ProcessEnv {
  return { PERISCOPE_BACKGROUND_PRIORITY: process.env.PERISCOPE_BACKGROUND_PRIORITY };
}
