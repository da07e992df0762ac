/**
 * Gateways and their helpers as plain OS processes, started the way a user starts them: their
 * own CLI, output to a log file (the kernel writes it; the bench never reads a pipe on the hot
 * path), a process group of their own so a stop also ends anything they forked.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LaunchOptions {
  command: string;
  args: string[];
  /** Added to (or, with undefined, removed from) the bench's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** stdout and stderr go here. */
  logFile: string;
  /** A URL that answers 200 once the process takes calls. */
  readyUrl: string;
  /** Ready once readyUrl answers at all, whatever the status (a server that is up but reports itself busy). */
  anyStatus?: boolean;
  readyTimeoutMs: number;
  /** Between readiness probes; 200 ms by default (the start-up scenario measures with a finer one). */
  pollMs?: number;
}

export interface Launched {
  pid: number;
  logFile: string;
  /** The last lines of the log, for skip reasons and failures. */
  tail(lines?: number): string;
  /** Set once the process has exited: how. */
  exited(): string | undefined;
  /**
   * SIGTERM to the process itself (a gateway drains and flushes its events on it), SIGKILL to
   * its whole group after `graceMs`; then anything left in the group goes too.
   */
  stop(graceMs?: number): Promise<void>;
}

/** A loopback port nobody listens on right now (CLIs take a port; port 0 would need parsing their output). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** The last `n` non-empty lines of a file, without terminal colours, `|` made safe for a table cell. */
export function fileTail(path: string, n = 1): string {
  let text = '';
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(Math.min(size, 8192));
    // Positional read of the file's end: logs of a long run are tens of MB.
    readSync(fd, buf, 0, buf.length, Math.max(0, size - buf.length));
    closeSync(fd);
    text = buf.toString('utf8');
  } catch {
    return 'no output';
  }
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-n).join(' / ').slice(0, 300).replaceAll('|', '/') || 'no output';
}

/** Process groups started and not yet stopped, for an interrupted bench to clean up. */
const running = new Set<number>();

/** SIGKILL to every process group still running (Ctrl-C: detached groups would outlive the bench). */
export function killAllLaunched(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  running.clear();
}

export async function launch(o: LaunchOptions): Promise<Launched> {
  const out = openSync(o.logFile, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(o.command, o.args, { cwd: o.cwd, env, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  let exited: string | undefined;
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    resolve();
  }));
  const pid = child.pid ?? -1;
  if (pid > 0) running.add(pid);
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is empty
    }
  };
  const stop = async (graceMs = 35_000) => {
    if (pid < 0) return;
    if (exited === undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const done = await Promise.race([exitedPromise.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        signalGroup('SIGKILL');
        await exitedPromise;
      }
    }
    // Workers or helpers the process left behind.
    signalGroup('SIGTERM');
    await sleep(200);
    signalGroup('SIGKILL');
    running.delete(pid);
  };
  const tail = (n = 1) => fileTail(o.logFile, n);

  const deadline = Date.now() + o.readyTimeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`${basename(o.command)}: ${spawnError.message}`);
    if (exited !== undefined) throw new Error(`${basename(o.command)} ${exited} before it was ready: ${tail(3)}`);
    try {
      const res = await fetch(o.readyUrl, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200 || o.anyStatus) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(5000);
      throw new Error(`not ready on ${o.readyUrl} after ${o.readyTimeoutMs / 1000} s: ${tail(3)}`);
    }
    await sleep(o.pollMs ?? 200);
  }
  return { pid, logFile: o.logFile, tail, exited: () => exited, stop };
}
