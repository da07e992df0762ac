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

export function sampleCpu(gatewayPid: number, gatewayChildRole: string, helpers: ReadonlyMap<number, string>): Sample {
  const known = new Map(helpers);
  known.set(gatewayPid, 'gateway');
  for (const pid of descendants(gatewayPid)) known.set(pid, gatewayChildRole);
  const out: Sample = new Map();
  for (const pid of new Set([...known.keys(), ...descendants(process.pid)])) {
    const cpu = cpuSeconds(pid);
    if (Number.isFinite(cpu)) out.set(pid, { role: roleOf(pid, known), cpu, main: mainThreadCpuSeconds(pid) });
  }
  return out;
}

/** Per process present in both samples, highest first; processes using under 1 µs per call are left out. */
export function cpuPerCall(before: Sample, after: Sample, calls: number): ProcessCpu[] {
  const rows: ProcessCpu[] = [];
  for (const [pid, b] of before) {
    const a = after.get(pid);
    if (!a || calls === 0) continue;
    const usPerCall = ((a.cpu - b.cpu) * 1e6) / calls;
    if (usPerCall >= 1) rows.push({ role: b.role, pid, usPerCall, mainThreadUsPerCall: ((a.main - b.main) * 1e6) / calls });
  }
  return rows.sort((x, y) => y.usPerCall - x.usPerCall);
}
