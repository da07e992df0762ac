import { execFileSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { SCHED_IDLE, SCHED_OTHER } from '@periscope/testkit';

// In a child process: lowering the test worker's own priority would slow the rest of the suite.
// It prints [niceness, policy] for each of its threads, a worker started afterwards included.
const script = (priority: string, before = '') => `
${before}
const { runInBackground } = await import(${JSON.stringify(new URL('./background-priority.ts', import.meta.url).href)});
const { threadPriorities } = await import(${JSON.stringify(new URL('../../../testkit/src/thread-priority.ts', import.meta.url).href)});
const { Worker } = await import('node:worker_threads');
const said = runInBackground(${JSON.stringify(priority)});
const later = new Worker('setTimeout(() => {}, 200)', { eval: true });
await new Promise((r) => later.once('online', r));
console.log(JSON.stringify({ said: said ?? null, threads: (await threadPriorities(process.pid)).map((t) => [t.niceness, t.policy]) }));
await later.terminate();
`;
interface Outcome {
  /** What runInBackground returned (what it could not do). */
  said: string | null;
  threads: [number, number][];
}
const outcome = (code: string, env: NodeJS.ProcessEnv = process.env): Outcome =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', env })) as Outcome;
const run = (code: string): [number, number][] => {
  const { said, threads } = outcome(code);
  expect(said).toBeNull();
  return threads;
};

describe('runInBackground (Linux keeps a priority per thread)', () => {
  it('idle: every thread runs under SCHED_IDLE at niceness 19, those already running and those started afterwards', () => {
    const threads = run(script('idle'));
    expect(threads.length).toBeGreaterThan(4); // main, libuv and V8 threads, and the worker started after
    expect(new Set(threads.map(([, policy]) => policy))).toEqual(new Set([SCHED_IDLE]));
    expect(new Set(threads.map(([niceness]) => niceness))).toEqual(new Set([19]));
  });

  it('low: every thread at niceness 10, policy unchanged', () => {
    const threads = run(script('low'));
    expect(threads.length).toBeGreaterThan(4);
    expect(new Set(threads.map(([niceness]) => niceness))).toEqual(new Set([10]));
    expect(new Set(threads.map(([, policy]) => policy))).toEqual(new Set([SCHED_OTHER]));
  });

  it('normal: nothing changes', () => {
    const threads = run(script('normal'));
    // The child starts at this process's niceness.
    expect(new Set(threads.map(([niceness, policy]) => `${niceness}/${policy}`))).toEqual(new Set([`${getPriority()}/${SCHED_OTHER}`]));
  });

  it('never raises a priority that is already lower', () => {
    const threads = run(script('low', "(await import('node:os')).setPriority(15);"));
    // The main thread was at 15 before: it stays there; the others go to 10.
    expect(Math.max(...threads.map(([n]) => n))).toBe(15);
    expect(Math.min(...threads.map(([n]) => n))).toBe(10);
  });

  it('idle without chrt: every thread at niceness 19, and says so', () => {
    const { said, threads } = outcome(script('idle'), { ...process.env, PATH: '' });
    expect(said).toMatch(/^logging\.background_priority idle: \d+ thread\(s\) not under SCHED_IDLE \(.*ENOENT.*\); running at niceness 19$/);
    expect(new Set(threads.map(([niceness, policy]) => `${niceness}/${policy}`))).toEqual(new Set([`19/${SCHED_OTHER}`]));
  });
});
