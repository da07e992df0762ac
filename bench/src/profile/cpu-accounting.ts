/**
 * CPU per call of every process of a profiled run, by role: on this 2-core machine the gateway's
 * core is only half the story, since the store process, the Kafka shipper, the broker, the
 * ingest, the mock and vegeta share the other core, and when it saturates the mock answers late
 * and every gateway's added latency grows. Main thread (JavaScript) and other threads (libuv,
 * GC, chDB's native threads, the JVM) are reported apart.
 */
import { commandOf, cpuSeconds, descendants, mainThreadCpuSeconds } from '../proc.ts';

export interface ProcessCpu {
  role: string;
  pid: number;
  /** All threads, µs of CPU per call answered in the window. */
  usPerCall: number;
  mainThreadUsPerCall: number;
}

type Sample = Map<number, { role: string; cpu: number; main: number }>;

/** The processes of the run: the gateway, what it started, and everything the bench started. */
function roleOf(pid: number, known: ReadonlyMap<number, string>): string {
  const named = known.get(pid);
  if (named) return named;
  const cmd = commandOf(pid);
  if (cmd.includes('kafka.Kafka')) return 'Kafka broker';
  if (cmd.includes('mock-upstream-')) return 'mock upstream';
  if (cmd.includes('vegeta')) return 'vegeta';
  return cmd.split(' ').slice(0, 2).map((w) => w.split('/').pop()).join(' ');
}

/** Without a gateway (direct to the mock): the bench's own processes and the helpers. */
export function sampleCpu(gatewayPid: number | undefined, gatewayChildRole: string, helpers: ReadonlyMap<number, string>): Sample {
  const known = new Map(helpers);
  if (gatewayPid !== undefined) {
    known.set(gatewayPid, 'gateway');
    for (const pid of descendants(gatewayPid)) known.set(pid, gatewayChildRole);
  }
  const out: Sample = new Map();
  for (const pid of new Set([...known.keys(), ...descendants(process.pid)])) {
    const cpu = cpuSeconds(pid);
    if (Number.isFinite(cpu)) out.set(pid, { role: roleOf(pid, known), cpu, main: mainThreadCpuSeconds(pid) });
  }
  return out;
}

/**
 * Per process present in both samples, highest first; processes using under 1 µs per call are
 * left out. With `idle` (a sample taken `seconds` before `before`, with no load between), each
 * process's idle rate over those seconds is taken out of the `elapsedS` between `before` and
 * `after`: its timers and polls are not the calls' cost.
 */
export function cpuPerCall(before: Sample, after: Sample, calls: number, idle?: { sample: Sample; seconds: number; elapsedS: number }): ProcessCpu[] {
  const rows: ProcessCpu[] = [];
  for (const [pid, b] of before) {
    const a = after.get(pid);
    if (!a || calls === 0) continue;
    const i = idle?.sample.get(pid);
    const idleShare = i && idle ? idle.elapsedS / idle.seconds : 0;
    const cpu = a.cpu - b.cpu - (i ? (b.cpu - i.cpu) * idleShare : 0);
    const main = a.main - b.main - (i ? (b.main - i.main) * idleShare : 0);
    const usPerCall = (Math.max(0, cpu) * 1e6) / calls;
    if (usPerCall >= 1) rows.push({ role: b.role, pid, usPerCall, mainThreadUsPerCall: (Math.max(0, main) * 1e6) / calls });
  }
  return rows.sort((x, y) => y.usPerCall - x.usPerCall);
}
