/**
 * The bench's upstream: the Go program in bench/mock-upstream (OpenAI's chat completions wire
 * format, streams paced frame by frame). It shares core 1 with vegeta, the stream clients and
 * a gateway's background processes, so what it costs per call delays every system's answers:
 * testkit's mock, a Node process doing far more per call, took 272–385 µs of that core per call at
 * 500/s, this one 145–185 µs (docs/benchmarks.md).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FRAME_INTERVAL_MS, STREAM_CHUNKS } from './child-protocol.ts';
import { goToolBinary } from './go-tool.ts';

export interface BenchMock {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the mock (STREAM_CHUNKS pieces, FRAME_INTERVAL_MS apart) and waits for its address. */
export async function startBenchMock(o: { chunks?: number; intervalMs?: number } = {}): Promise<BenchMock> {
  const bin = await goToolBinary('mock-upstream');
  const child = spawn(bin, ['-chunks', String(o.chunks ?? STREAM_CHUNKS), '-interval-ms', String(o.intervalMs ?? FRAME_INTERVAL_MS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Its stdin is only ever closed; a mock that died first must not make that an error.
  child.stdin.on('error', () => undefined);
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error('the mock upstream exited before it was listening')));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const m = /^listening (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(`the mock upstream said: ${line}`));
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    // Closing its stdin is how it is told to go (it also goes when the bench dies).
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin.end();
      await exited;
    },
  };
}
