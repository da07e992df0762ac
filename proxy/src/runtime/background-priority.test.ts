import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// In a child process: lowering the test worker's own priority would slow the rest of the suite.
const script = (niceness: number, before = '') => `
${before}
const { runInBackground } = await import(${JSON.stringify(new URL('./background-priority.ts', import.meta.url).href)});
const { Worker } = await import('node:worker_threads');
const { getPriority } = await import('node:os');
const { readdirSync } = await import('node:fs');
runInBackground(${niceness});
const later = new Worker('setTimeout(() => {}, 200)', { eval: true });
await new Promise((r) => later.once('online', r));
console.log(JSON.stringify(readdirSync('/proc/self/task').map((t) => getPriority(Number(t)))));
await later.terminate();
`;
const run = (code: string): number[] =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' })) as number[];

describe('runInBackground (Linux keeps a niceness per thread)', () => {
  it('lowers every thread, those already running and those started afterwards', () => {
    const niceness = run(script(10));
    expect(niceness.length).toBeGreaterThan(4); // main, libuv and V8 threads, and the worker started after
    expect(new Set(niceness)).toEqual(new Set([10]));
  });

  it('never raises a priority that is already lower', () => {
    const niceness = run(script(10, "(await import('node:os')).setPriority(15);"));
    // The main thread was at 15 before: it stays there; the others go to 10.
    expect(Math.max(...niceness)).toBe(15);
    expect(Math.min(...niceness)).toBe(10);
  });
});

