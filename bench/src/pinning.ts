/**
 * Core pinning with `taskset`: each gateway (every thread) on core 0, and everything else —
 * the bench itself (stream clients), vegeta, the mock, Kafka, `periscope ingest` and a
 * gateway's own child processes (the store process of `periscope start`, the Kafka shipper process of `periscope proxy`) — on core 1. The bench
 * pins itself first, so whatever it spawns without `taskset -c 0` inherits core 1.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { SINGLE_THREADED_GC } from '@periscope/proxy';
import { createIdleCgroup, type IdleCgroup } from './idle-cgroup.ts';
import { commandOf, descendants, rssBytes, threadAffinity } from './proc.ts';

export const GATEWAY_CORE = 0;
export const OTHERS_CORE = 1;

export interface Pinning {
  enabled: boolean;
  /** How it was done, or why not, for the results. */
  note: string;
  /** The idle cgroup of the processes that move events in the background (idle-cgroup.ts), when one could be made. */
  background?: IdleCgroup;
}

/** Whether util-linux's `taskset` is installed (the bench pins nothing without it). */
export const hasTaskset = (): boolean => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Moves every thread of `pid` to `core`. */
export function pinProcess(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

/** The thread of V8's CPU profiler (`--cpu-prof`) that signals the main thread for each sample. */
export const PROFILER_THREAD = 'v8:ProfEvntProc';

/** Moves the threads of `pid` named `name` (their `comm`) to `core`; false when none was moved (or the process is gone). */
export function pinThreadNamed(pid: number, name: string, core: number): boolean {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  let moved = false;
  for (const tid of tids) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== name) continue;
      execFileSync('taskset', ['-p', '-c', String(core), tid], { stdio: 'ignore' });
      moved = true;
    } catch {
      // the thread ended since the listing
    }
  }
  return moved;
}

/** Pins this process (and so everything it spawns from now on) to the "others" core. */
export function setUpPinning(): Pinning {
  if (cpus().length < 2) return { enabled: false, note: `not pinned: ${cpus().length} core(s)` };
  if (!hasTaskset()) return { enabled: false, note: 'not pinned: taskset not found (util-linux)' };
  pinProcess(process.pid, OTHERS_CORE);
  const background = createIdleCgroup(`periscope-bench-${process.pid}`);
  return {
    enabled: true,
    note: `taskset: each gateway process (all threads) on core ${GATEWAY_CORE}; the bench (stream clients), vegeta, `
      + `the mock, Kafka, \`periscope ingest\` and the gateway's child processes (store or Kafka shipper process) on core ${OTHERS_CORE}; `
      + 'the Kafka broker under SCHED_IDLE (`chrt --idle`), like Periscope\'s own background processes; '
      + ('unavailable' in background ? `no idle cgroup for them (${background.unavailable})`
        : 'the broker, `periscope ingest` and the gateway\'s child processes in a cgroup with `cpu.idle` 1, so that they yield to vegeta and the mock across sessions'),
    background: 'unavailable' in background ? undefined : background,
  };
}

/** The argv that starts `command` with every thread on the gateway core (taskset execs it, so the pid is the gateway's). */
export function onGatewayCore(pinning: Pinning, command: string, args: string[]): { command: string; args: string[] } {
  return pinning.enabled ? { command: 'taskset', args: ['-c', String(GATEWAY_CORE), command, ...args] } : { command, args };
}

/**
 * Node flags for a Node gateway on the gateway core (Periscope and the floor, the same stack):
 * alone on one CPU, V8's garbage-collection helper threads would take it from the event loop
 * in whole time slices; docs/deployment.md#one-cpu-per-gateway advises this flag for that layout.
 */
export const gatewayCoreNodeFlags = (pinning: Pinning): string[] => (pinning.enabled ? [SINGLE_THREADED_GC] : []);

/** The argv that lets `command` run on every core (the bench's own pinning would otherwise be inherited). */
export function onAnyCore(pinning: Pinning, command: string, args: string[]): { command: string; args: string[] } {
  return pinning.enabled ? { command: 'taskset', args: ['-c', `0-${cpus().length - 1}`, command, ...args] } : { command, args };
}

/**
 * What a process below a gateway is: the store process of `periscope start`, the Kafka shipper
 * process of `periscope proxy` (both off the request path), or part of a peer gateway.
 */
export type ChildRole = 'store process' | 'shipper process' | 'gateway worker';

export interface ProcessPlacement {
  pid: number;
  role: 'gateway' | ChildRole | 'tsx compiler';
  command: string;
  /** CPU list → number of threads allowed on it. */
  threads: Record<string, number>;
  rssBytes: number;
}

/** tsx compiles TypeScript through an esbuild service process; it is the launcher's, not Periscope's. */
export const isCompiler = (command: string) => /(^|\/)esbuild(\s|$)/.test(command);

/**
 * The gateway and every process below it, with where their threads may run. With `repin`, the
 * store process (and anything else below a Periscope gateway) is moved to the others core first;
 * a peer's workers stay where they are (they serve calls, so they are part of its gateway).
 */
export function placeTree(pinning: Pinning, gatewayPid: number, childRole: ChildRole, repin: boolean): ProcessPlacement[] {
  const below = descendants(gatewayPid).map((pid) => ({ pid, command: commandOf(pid) }));
  if (repin && pinning.enabled && childRole !== 'gateway worker') {
    for (const c of below) {
      if (isCompiler(c.command)) continue;
      try {
        pinProcess(c.pid, OTHERS_CORE);
      } catch {
        // it exited between the listing and the repin
      }
      pinning.background?.add(c.pid);
    }
  }
  return [
    { pid: gatewayPid, role: 'gateway' as const, command: commandOf(gatewayPid), threads: threadAffinity(gatewayPid), rssBytes: rssBytes(gatewayPid) },
    ...below.map((c) => ({
      pid: c.pid, role: isCompiler(c.command) ? 'tsx compiler' as const : childRole, command: c.command,
      threads: threadAffinity(c.pid), rssBytes: rssBytes(c.pid),
    })),
  ];
}

/** Gateway RSS (a peer's workers included) and its child processes' RSS (store or shipper), from one placement listing. */
export function rssSplit(placement: ProcessPlacement[]): { gatewayBytes: number; storeBytes: number } {
  let gatewayBytes = 0;
  let storeBytes = 0;
  for (const p of placement) {
    if (p.role === 'gateway' || p.role === 'gateway worker') gatewayBytes += p.rssBytes;
    else if (p.role === 'store process' || p.role === 'shipper process') storeBytes += p.rssBytes;
  }
  return { gatewayBytes, storeBytes };
}
