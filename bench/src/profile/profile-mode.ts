/**
 * `pnpm bench --profile start|proxy [--rate 1000] [--seconds 20] [--no-trace-gc]`: the system
 * pinned as in the comparison, `--cpu-prof` (and `--trace-gc`) on the gateway's node command
 * line only (Node 20 refuses --cpu-prof in NODE_OPTIONS), a warm-up, then vegeta at a fixed rate. The profile is cut to the load
 * window; the top functions by self time, a rollup by owner, GC pauses, the gateway's CPU use
 * and event-loop delay (prom-client's, from /metrics) are printed and written to bench/results/.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { createEnvironment } from '../environment.ts';
import { OTHERS_CORE, PROFILER_THREAD, pinThreadNamed, placeTree, type ProcessPlacement } from '../pinning.ts';
import { REPO_ROOT } from '../periscope-command.ts';
import { cpuSeconds } from '../proc.ts';
import { readMetrics, startEmbedded, startProxyRole } from '../systems/periscope.ts';
import type { Environment, RunningSystem } from '../systems/system.ts';
import { attack, type VegetaResult } from '../vegeta.ts';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './cpuprofile.ts';
import { summarizeGcTrace, type GcSummary } from './gc-trace.ts';
import { cpuPerCall, sampleCpu, type ProcessCpu } from './cpu-accounting.ts';
import { catchUp } from '../scenarios/system-round.ts';

export type ProfiledSystem = 'start' | 'proxy';

export interface ProfileOptions {
  system: ProfiledSystem;
  rate: number;
  seconds: number;
  traceGc: boolean;
  top: number;
}

export interface ProfileResult {
  system: ProfiledSystem;
  label: string;
  rate: number;
  seconds: number;
  date: string;
  placement: ProcessPlacement[];
  load: VegetaResult;
  /** Gateway process CPU over the load window, as a share of one core. */
  gatewayCpuPercent: number;
  /** Every process of the run (vegeta aside: it starts with the load), µs of CPU per call. */
  cpuByProcess: ProcessCpu[];
  /** prom-client's event-loop delay over the window (its histogram resets at each scrape), ms. */
  eventLoopDelayMs?: { p99: number; max: number; mean: number };
  /** Main thread of the gateway: `profile`; other Node processes below it, by pid. */
  profile?: ProfileSummary;
  otherProfiles: Array<{ pid: number; summary: ProfileSummary }>;
  gc?: GcSummary;
  /** Where the raw .cpuprofile files are (open them in Chrome DevTools or speedscope). */
  profileDir: string;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Bytes [from, to) of a file, as text. */
function readRange(path: string, from: number, to: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, to - from));
    readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const sizeOf = (path: string) => statSync(path).size;

const lag = (q: string) => `periscope_nodejs_eventloop_lag_${q}_seconds`;

async function eventLoopDelay(metricsUrl: string): Promise<ProfileResult['eventLoopDelayMs']> {
  const m = await readMetrics(metricsUrl, [lag('p99'), lag('max'), lag('mean')]).catch(() => ({} as Record<string, number>));
  const [p99, max, mean] = [m[lag('p99')], m[lag('max')], m[lag('mean')]];
  return p99 === undefined || max === undefined || mean === undefined ? undefined : { p99: p99 * 1000, max: max * 1000, mean: mean * 1000 };
}

export async function profileMode(o: ProfileOptions, log: (msg: string) => void): Promise<ProfileResult> {
  const date = new Date().toISOString();
  const profileDir = join(REPO_ROOT, '.periscope', 'bench-profiles', `${o.system}-${date.replace(/[:.]/g, '-')}`);
  await mkdir(profileDir, { recursive: true });
  const run = await createEnvironment(log, { pin: true });
  const env: Environment = {
    ...run.env,
    gatewayNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...(o.traceGc ? ['--trace-gc'] : [])],
  };
  let sys: RunningSystem | undefined;
  try {
    log(`profiling ${o.system} at ${o.rate}/s for ${o.seconds} s; ${env.pinning.note}`);
    sys = o.system === 'start' ? await startEmbedded(env) : await startProxyRole(env);
    const gateway = sys.gateway!;
    placeTree(env.pinning, gateway.pid, sys.childRole, true);
    const warm = await attack(sys.target, { rate: 0, workers: 8, durationS: 5 });
    if (warm.ok === 0) throw new Error(`warm-up failed: ${warm.errorSamples[0] ?? JSON.stringify(warm.statusCodes)}`);
    placeTree(env.pinning, gateway.pid, sys.childRole, true);
    if (env.pinning.enabled) {
      // Left on the gateway's core, the sampler runs only when the main thread sleeps or is
      // preempted: a gateway busy in short bursts (a fixed rate below saturation) was sampled
      // mostly asleep, 1.2 % busy against 16 % of its core by /proc at 500/s.
      if (!pinThreadNamed(gateway.pid, PROFILER_THREAD, OTHERS_CORE)) throw new Error(`no ${PROFILER_THREAD} thread in the gateway: cannot sample it on time`);
      log(`    the profiler's sampling thread (${PROFILER_THREAD}) moved to core ${OTHERS_CORE}`);
    }
    const placement = placeTree(env.pinning, gateway.pid, sys.childRole, false);
    // The warm-up's events are stored first, so the window measures the load's own work.
    await catchUp(sys.logging!, warm.answered, 60_000);
    const helpers = new Map(sys.helpers.map((h) => [h.process.pid, h.role]));
    const cpuBefore = sampleCpu(gateway.pid, sys.childRole, helpers);
    const metricsUrl = sys.logging!.gatewayMetricsUrl;
    // Scraping resets prom-client's event-loop histogram, so the next scrape covers the load only.
    await eventLoopDelay(metricsUrl);
    const logFrom = sizeOf(gateway.logFile);
    const cpu0 = cpuSeconds(gateway.pid);
    const fromUs = monotonicUs();
    const load = await attack(sys.target, { rate: o.rate, durationS: o.seconds });
    const toUs = monotonicUs();
    const cpu1 = cpuSeconds(gateway.pid);
    const cpuAfter = sampleCpu(gateway.pid, sys.childRole, helpers);
    const logTo = sizeOf(gateway.logFile);
    const delay = await eventLoopDelay(metricsUrl);
    log(`    ${load.ok}/${load.requests} ok, p50 ${(load.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(load.latencyUs.p99 / 1000).toFixed(2)} ms`);
    const gatewayPid = gateway.pid;
    const label = sys.label;
    // The profile is written when the process exits, so the gateway stops before it is read.
    await sys.stop();
    sys = undefined;

    const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
    const pidOf = (f: string) => Number(f.split('.')[3]);
    const summaries = await Promise.all(files.map(async (f) => ({
      pid: pidOf(f),
      summary: summarizeProfile(JSON.parse(await readFile(join(profileDir, f), 'utf8')) as CpuProfile, o.top, fromUs, toUs),
    })));
    return {
      system: o.system, label, rate: o.rate, seconds: o.seconds, date, placement, load,
      gatewayCpuPercent: (100 * (cpu1 - cpu0)) / ((toUs - fromUs) / 1e6),
      cpuByProcess: cpuPerCall(cpuBefore, cpuAfter, load.answered),
      eventLoopDelayMs: delay,
      profile: summaries.find((s) => s.pid === gatewayPid)?.summary,
      otherProfiles: summaries.filter((s) => s.pid !== gatewayPid),
      gc: o.traceGc ? summarizeGcTrace(readRange(gateway.logFile, logFrom, logTo), gatewayPid) : undefined,
      profileDir,
    };
  } finally {
    await sys?.stop();
    await run.close();
  }
}
