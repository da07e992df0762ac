/**
 * Peer gateways (Portkey, LiteLLM) as plain OS processes started with their own CLIs. They do not
 * speak the bench's IPC protocol, so their CPU and RSS are read from /proc instead of from inside.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessStats } from './child-protocol.ts';

export interface PeerHandle {
  url: string;
  pid: number;
  stats(): Promise<ProcessStats>;
  /** The last few KiB of the process's stdout and stderr, for skip reasons. */
  output(): string;
  stop(): Promise<void>;
}

let clockTicks = 0;

/** CPU (utime + stime) and RSS of one process from /proc; zeros where /proc is not available. */
export function procStats(pid: number): ProcessStats {
  try {
    clockTicks ||= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const usPerTick = 1e6 / clockTicks;
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpuUserUs: Number(fields[11]) * usPerTick, cpuSystemUs: Number(fields[12]) * usPerTick, rssBytes: rssKb * 1024 };
  } catch {
    return { cpuUserUs: 0, cpuSystemUs: 0, rssBytes: 0 };
  }
}

/** A loopback port nobody listens on right now (the peer CLIs take a port, not port 0). */
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

export interface StartOptions {
  port: number;
  /** GET path that answers 200 once the server takes calls. */
  readyPath: string;
  readyTimeoutMs: number;
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Spawns `command` in a process group of its own (so stop() also ends anything it forked) and
 * polls `readyPath` until it answers 200. Throws, with the tail of its output, if it exits or times out.
 */
export async function startPeerProcess(command: string, args: string[], opts: StartOptions): Promise<PeerHandle> {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4096);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | undefined;
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    resolve();
  }));
  const pid = child.pid ?? -1;
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (exited !== undefined || pid < 0) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const killed = await Promise.race([exitedPromise.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exitedPromise;
    }
  };

  const deadline = Date.now() + opts.readyTimeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`${basename(command)}: ${spawnError.message}`);
    if (exited !== undefined) throw new Error(`${basename(command)} ${exited} before it was ready: ${lastLine(tail)}`);
    try {
      const res = await fetch(`${url}${opts.readyPath}`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`not ready on ${url}${opts.readyPath} after ${opts.readyTimeoutMs / 1000} s: ${lastLine(tail)}`);
    }
    await sleep(200);
  }
  return { url, pid, stats: async () => procStats(pid), output: () => tail, stop };
}

/** The last non-empty line of some process output, without terminal colour codes, for a table cell. */
export function lastLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.at(-1) ?? 'no output').slice(0, 200).replaceAll('|', '/');
}
