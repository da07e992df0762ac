/**
 * A cgroup whose CPU policy is idle (`cpu.idle` = 1, Linux 5.15+) for the processes that move
 * events in the background. SCHED_IDLE, which Periscope sets on them, only ranks threads within
 * one task group, and the kernel makes a task group of each session when it groups by session
 * (`/proc/sys/kernel/sched_autogroup_enabled`): a process the bench launches in a session of its
 * own (launch.ts) then competes with vegeta and the mock as a whole, normal-priority group, and
 * runs up to a scheduler tick (4 ms here) after they wake. In an idle cgroup every thread of its
 * processes yields at once (docs/benchmarks.md, "Task groups").
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IdleCgroup {
  /** Moves every thread of `pid` into the group; false when it is gone. */
  add(pid: number): boolean;
  /** Moves what is left back to the root group and removes the group. */
  remove(): void;
}

/** cgroup v1's cpu hierarchy, or v2's unified one when its root hands the cpu controller down. */
function cpuHierarchy(): string | undefined {
  if (existsSync('/sys/fs/cgroup/cpu/cpu.idle')) return '/sys/fs/cgroup/cpu';
  try {
    if (readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8').split(/\s+/).includes('cpu')) return '/sys/fs/cgroup';
  } catch {
    // no unified hierarchy
  }
  return undefined;
}

/** The group, or why there is none (not Linux, no cpu controller, no permission). */
export function createIdleCgroup(name: string): IdleCgroup | { unavailable: string } {
  const root = cpuHierarchy();
  if (!root) return { unavailable: 'no cgroup cpu controller with cpu.idle' };
  const dir = join(root, name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.idle'), '1');
  } catch (err) {
    return { unavailable: `cannot make ${dir} idle: ${(err as Error).message}` };
  }
  return {
    add(pid) {
      try {
        writeFileSync(join(dir, 'cgroup.procs'), String(pid));
        return true;
      } catch {
        return false;
      }
    },
    remove() {
      try {
        for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          try {
            writeFileSync(join(root, 'cgroup.procs'), pid);
          } catch {
            // exited meanwhile
          }
        }
        rmdirSync(dir);
      } catch {
        // already gone
      }
    },
  };
}
