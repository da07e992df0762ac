import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PROFILER_THREAD, hasTaskset, pinThreadNamed } from './pinning.ts';

/** The cores this process may run on (its affinity, which the child below inherits before taskset). */
const allowed = (): Set<number> => new Set((/Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '').split(',').flatMap((range) => {
  const [first, last = first] = range.split('-').map(Number);
  return Array.from({ length: last! - first! + 1 }, (_, i) => first! + i);
}));
const why = process.platform !== 'linux' ? 'not Linux' : !hasTaskset() ? 'no taskset (util-linux)'
  : !(allowed().has(0) && allowed().has(1)) ? 'cores 0 and 1 are not both allowed to this process' : undefined;
if (why) console.log(`pinning.test.ts: skipped, ${why}: the bench does not pin here either`);

/** Each thread's name and allowed cores. */
function threads(pid: number): { name: string; cores: string }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => ({
    name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
    cores: /Cpus_allowed_list:\s+(\S+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))![1]!,
  }));
}

describe.skipIf(why !== undefined)('pinThreadNamed', () => {
  it('moves the CPU profiler\'s sampling thread of a node pinned to core 0 to core 1, and no other thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'periscope-pin-'));
    const child = spawn('taskset', ['-c', '0', process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, '-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      for (let i = 0; i < 100 && !threads(pid).some((t) => t.name === PROFILER_THREAD); i++) await sleep(50);
      expect(pinThreadNamed(pid, PROFILER_THREAD, 1)).toBe(true);
      const after = threads(pid);
      expect(after.filter((t) => t.name === PROFILER_THREAD).map((t) => t.cores)).toEqual(['1']);
      const others = after.filter((t) => t.name !== PROFILER_THREAD);
      expect(others.length).toBeGreaterThan(0);
      expect(new Set(others.map((t) => t.cores))).toEqual(new Set(['0']));
      expect(pinThreadNamed(pid, 'no-such-thread', 1)).toBe(false);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(pinThreadNamed(pid, PROFILER_THREAD, 1)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
