import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gcThreadsAdvice, SINGLE_THREADED_GC } from './gc-threads.ts';

// In a child process pinned with taskset: the CPU count the advice reads is the process's
// affinity (sched_getaffinity, as /proc reports it), not the machine's cores.
const adviceUnder = (cpus: string, nodeFlags: string[] = []): string | null =>
  JSON.parse(execFileSync('taskset', ['-c', cpus, process.execPath, ...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', `
const { gcThreadsAdvice } = await import(${JSON.stringify(new URL('./gc-threads.ts', import.meta.url).href)});
console.log(JSON.stringify(gcThreadsAdvice() ?? null));
`], { encoding: 'utf8' })) as string | null;

/** This process's CPUs, from its affinity: the children are pinned to the first one, or to two. */
const allowed = (): number[] => {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(execFileSync('cat', ['/proc/self/status'], { encoding: 'utf8' }))?.[1] ?? '';
  return list.split(',').flatMap((range) => {
    const [first, last = first] = range.split('-').map(Number);
    return Array.from({ length: last! - first! + 1 }, (_, i) => first! + i);
  });
};
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const cpus = process.platform === 'linux' ? allowed() : [];
const pinnable = process.platform === 'linux' && hasTaskset && cpus.length >= 2;

describe('gcThreadsAdvice (V8 takes its GC flags only on the command line)', () => {
  it('reads the count and the flags it is given', () => {
    expect(gcThreadsAdvice(1, [])).toContain(`node ${SINGLE_THREADED_GC} dist/periscope.mjs`);
    expect(gcThreadsAdvice(1, ['--inspect', SINGLE_THREADED_GC])).toBeUndefined();
    expect(gcThreadsAdvice(1, ['--single_threaded_gc'])).toBeUndefined();
    expect(gcThreadsAdvice(1, ['--single-threaded'])).toBeUndefined();
    expect(gcThreadsAdvice(1, ['--single-threaded-gc-foo'])).toBeDefined();
    expect(gcThreadsAdvice(8, [])).toBeUndefined();
  });

  if (!pinnable) console.log('gc-threads: the taskset cases need Linux, util-linux\'s taskset and two CPUs in this process\'s affinity; skipped');

  it.skipIf(!pinnable)('a gateway pinned to one CPU without the flag is told to add it', () => {
    const said = adviceUnder(String(cpus[0]));
    expect(said).toContain(`node ${SINGLE_THREADED_GC} dist/periscope.mjs`);
    expect(said).toContain('one CPU');
  });

  it.skipIf(!pinnable)('pinned to one CPU and started with the flag (node accepts it): nothing to say', () => {
    expect(adviceUnder(String(cpus[0]), [SINGLE_THREADED_GC])).toBeNull();
  });

  it.skipIf(!pinnable)('free to use two CPUs: nothing to say', () => {
    expect(adviceUnder(cpus.slice(0, 2).join(','))).toBeNull();
  });
});
