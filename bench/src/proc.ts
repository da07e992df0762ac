/**
 * What the bench reads about processes from Linux's /proc: memory, the process tree, CPU
 * affinity, and the kernel's listen-queue overflow counter. Every reader degrades to an empty
 * answer when /proc is not there, so a run elsewhere still completes (without those columns).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Resident memory of one process (all its threads), in bytes; 0 when it is gone. */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`) ?? '')?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** The command line, space-separated and clipped, for naming a process in results. */
export function commandOf(pid: number): string {
  return (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ').slice(0, 160);
}

/** Direct children of every thread of `pid` (a child belongs to the thread that forked it). */
function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((tid) => (read(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ').filter(Boolean).map(Number));
}

/** Every process below `pid`, children first, then theirs. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = children(pid);
  while (queue.length > 0) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...children(next));
  }
  return out;
}

/** CPU lists (`0`, `1`, `0-1`) that the threads of `pid` may run on, each with its thread count. */
export function threadAffinity(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    const list = /Cpus_allowed_list:\s+(\S+)/.exec(read(`/proc/${pid}/task/${tid}/status`) ?? '')?.[1];
    if (list) out[list] = (out[list] ?? 0) + 1;
  }
  return out;
}

/**
 * TcpExt ListenOverflows: connections the kernel refused because a listen backlog was full.
 * Machine-wide, so a delta over a run is attributed to that run's server (nothing else here
 * accepts thousands of connections).
 */
export function listenOverflows(): number {
  const lines = (read('/proc/net/netstat') ?? '').split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('ListenOverflows');
  return i > 0 ? Number(values[i] ?? 0) : 0;
}

/** The 1-minute load average: the machine is shared, so results say how busy it was. */
export function loadAverage1m(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

let ticksPerSecond = 0;

/** user + system seconds from a /proc stat line; NaN when there is none. */
function statCpuSeconds(stat: string | undefined): number {
  if (!stat) return NaN;
  ticksPerSecond ||= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  // Fields after the parenthesised command name (which may hold spaces); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU time (user + system, all threads) a process has used so far, in seconds; NaN when gone. */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(read(`/proc/${pid}/stat`));
}

/** CPU seconds of a process's main thread (its JavaScript, for Node) alone. */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(read(`/proc/${pid}/task/${pid}/stat`));
}

/** One core's jiffies so far: busy (user, nice, system, irq, softirq) and all of them (idle, iowait and steal too). */
export interface CoreTimes {
  busy: number;
  total: number;
}

/** Every core's times, in core order, from /proc/stat; empty where there is none. */
export function coreTimes(): CoreTimes[] {
  return (read('/proc/stat') ?? '').split('\n').filter((l) => /^cpu\d+ /.test(l)).map((l) => {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = l.split(/\s+/).slice(1, 9).map(Number);
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, total: busy + idle! + iowait! + (steal ?? 0) };
  });
}

/** Each core's busy share between two readings, in percent. */
export function coreBusyPercent(before: CoreTimes[], after: CoreTimes[]): number[] {
  return after.map((a, i) => {
    const b = before[i];
    return b && a.total > b.total ? (100 * (a.busy - b.busy)) / (a.total - b.total) : NaN;
  });
}
