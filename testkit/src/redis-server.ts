import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './free-port.ts';

const START_TIMEOUT_MS = 15_000;

export interface RedisServer {
  /** `redis://127.0.0.1:PORT`, for PERISCOPE_REDIS_URL. */
  readonly url: string;
  readonly port: number;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Debian's `redis-server` as a child of the test, on a free loopback port, in memory only
 * (no RDB or AOF files). `scripts/test-prereqs` installs it; a missing binary is an error
 * that says so, never a skipped test.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitUntilReady(child, port);
  const exited = once(child, 'exit');
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url: `redis://127.0.0.1:${port}`, port, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

async function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start on port ${port} within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ENOENT' ? new Error('redis-server is not installed: run scripts/test-prereqs (apt-get install redis-server)') : err));
    child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${output}`)));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining its log so it never blocks on a full pipe
      resolve();
    };
    child.stdout!.on('data', onData);
  });
}
