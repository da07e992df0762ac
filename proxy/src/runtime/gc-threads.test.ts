import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gcThreadsAdvice, SINGLE_THREADED_GC } from './gc-threads.ts';

// In a child process pinned with taskset: the CPU count the advice reads is the process's
// affinity (sched_getaffinity), not the machine's cores.
const adviceUnder = (cpus: string, nodeFlags: string[] = []): string =>
  execFileSync('taskset', ['-c', cpus, process.execPath, ...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', `
const { gcThreadsAdvice } = await import(${JSON.stringify(new URL('./gc-threads.ts', import.meta.url).href)});
console.log(JSON.stringify(gcThreadsAdvice() ?? null));
`], { encoding: 'utf8' });

describe('gcThreadsAdvice (V8 takes its GC flags only on the command line)', () => {
  it('a gateway pinned to one CPU without the flag is told to add it', () => {
    const said = JSON.parse(adviceUnder('0')) as string | null;
    expect(said).toContain(`node ${SINGLE_THREADED_GC} dist/periscope.mjs`);
    expect(said).toContain('one CPU');
  });

  it('pinned to one CPU and started with the flag: nothing to say, and V8 runs with it', () => {
    expect(JSON.parse(adviceUnder('0', [SINGLE_THREADED_GC]))).toBeNull();
  });

  it('free to use two CPUs: nothing to say', () => {
    expect(JSON.parse(adviceUnder('0,1'))).toBeNull();
  });

  it('reads the count and the flags it is given', () => {
    expect(gcThreadsAdvice(1, [])).toBeDefined();
    expect(gcThreadsAdvice(1, ['--inspect', SINGLE_THREADED_GC])).toBeUndefined();
    expect(gcThreadsAdvice(8, [])).toBeUndefined();
  });
});
