import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createIdleCgroup } from './idle-cgroup.ts';

const group = createIdleCgroup(`periscope-bench-test-${process.pid}`);
const unavailable = 'unavailable' in group ? group.unavailable : undefined;
if (unavailable) console.log(`idle-cgroup.test.ts: skipped, ${unavailable} (the bench then runs without one and says so)`);

/** The cgroup path of `pid` for the cpu controller (v1) or in the unified hierarchy (v2). */
function cpuCgroupOf(pid: number): string | undefined {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  return (lines.find((l) => /^\d+:([^:]*,)?cpu(,[^:]*)?:/.test(l)) ?? lines.find((l) => l.startsWith('0::')))?.split(':')[2];
}

describe.skipIf(unavailable !== undefined)('createIdleCgroup', () => {
  it('moves a process into an idle group, and back out to the root when removed', async () => {
    if ('unavailable' in group) return;
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      expect(group.add(child.pid!)).toBe(true);
      const path = cpuCgroupOf(child.pid!);
      expect(path).toBe(`/periscope-bench-test-${process.pid}`);
      const root = existsSync('/sys/fs/cgroup/cpu/cpu.idle') ? '/sys/fs/cgroup/cpu' : '/sys/fs/cgroup';
      expect(readFileSync(`${root}${path}/cpu.idle`, 'utf8').trim()).toBe('1');
      group.remove();
      expect(cpuCgroupOf(child.pid!)).toBe('/');
      expect(existsSync(`${root}${path}`)).toBe(false);
      expect(group.add(child.pid!), 'a removed group takes nobody').toBe(false);
    } finally {
      child.kill('SIGKILL');
      group.remove();
    }
  });
});
