/**
 * One system's turn in one round: start it fresh, warm it up, read its idle memory, then
 * 1,000 concurrent streams, saturation (closed loop), the fixed rates (open loop), and — for
 * Periscope — the count of calls answered against rows stored. A system that fails shows as such; the run goes on.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { placeTree, rssSplit, type ProcessPlacement } from '../pinning.ts';
import { coreBusyPercent, coreTimes, rssBytes } from '../proc.ts';
import type { Environment, LoggingProbe, RunningSystem, SystemName, SystemStarter } from '../systems/system.ts';
import { attack, type VegetaResult } from '../vegeta.ts';
import { ownTimeBetween, readOwnTime, type OwnTime } from '../own-time.ts';
import { streams, type StreamWave } from './streams.ts';

export interface RoundPlan {
  quick: boolean;
  warmUpS: number;
  saturationS: number;
  /** Closed-loop workers (connections) for saturation. */
  saturationWorkers: number;
  rates: number[];
  rateS: number;
  streams: number;
  /**
   * The streams phase runs right after the idle reading, before saturation and the fixed rates
   * (results whose plan lacks the field ran it last, after the fixed rates).
   */
  streamsFirst?: boolean;
  /**
   * After the first measured wave, more calls of the same (each its own warm-up wave, then a
   * measured wave), on a gateway that has streamed as a running one has; the one with the worst
   * TTFB p99 is kept. Results whose plan lacks the field measured the first wave only.
   */
  laterStreams?: boolean;
  /** How many later calls (results from 2026-12-06 08:24 UTC lack it: one). */
  laterStreamCalls?: number;
}

/** A system whose first wave's TTFB p99 is past this (LiteLLM: 17 s) gets one later call, not laterStreamCalls. */
const SLOW_WAVE_MS = 5000;

export function roundPlan(quick: boolean): RoundPlan {
  return {
    quick,
    warmUpS: quick ? 3 : 5,
    saturationS: quick ? 5 : 10,
    saturationWorkers: 64,
    rates: [500, 2000],
    rateS: quick ? 8 : 20,
    streams: 1000,
    streamsFirst: true,
    laterStreams: true,
    laterStreamCalls: 3,
  };
}

export interface RateRun {
  rate: number;
  result?: VegetaResult;
  /** Periscope only: the gateway's own time per call in this run, from its histograms (own-time.ts). */
  ownTime?: OwnTime;
  /** Not run: why (the system's saturation in this round is under half the rate). */
  skipped?: string;
}

export interface Memory {
  /** The gateway process (a peer's workers included). */
  gatewayBytes: number;
  /** Processes below a Periscope gateway (the store process), summed. */
  storeBytes: number;
  /** Helper processes by role (the proxy role's `periscope ingest`). */
  helpers: Record<string, number>;
}

export interface LoggingCheck {
  /** Calls that got an HTTP status back, over the whole turn (warm-up included). */
  answered: number;
  /** Calls that got no HTTP status (timeouts, resets): the gateway may still have logged them. */
  unanswered: number;
  stored: number;
  /** answered − stored when positive: at least that many answered calls have no row (a loss). */
  missing: number;
  /** stored − answered when positive: rows of calls the client gave up on (at most `unanswered`). */
  extra: number;
  /** Time the store took after the last call to hold every answered call (or until the bench gave up). */
  catchUpS: number;
  counters: Record<string, number>;
  error?: string;
}

export interface SystemRound {
  system: SystemName;
  round: number;
  /** Position in this round's order (0 = first). */
  position: number;
  label: string;
  version?: string;
  skipped?: string;
  /** Processes and where their threads may run, after the warm-up. */
  placement: ProcessPlacement[];
  /** After the warm-up, before load. */
  idle?: Memory;
  /** Peak while the measured streams were open. */
  atStreams?: Memory;
  /**
   * When the streams phase began. In runs that put the streams last, this was what the fixed
   * rates left: a gateway overloaded at 2,000/s held thousands of queued calls, and V8 keeps that
   * heap for a while after.
   */
  beforeStreams?: Memory;
  saturation?: VegetaResult;
  /**
   * Each core's busy share during the saturation run, in percent (the gateway's core first): a
   * gateway core short of 100 % means the other core (load, mock, background processes) set the
   * pace. Results from before 2026-12-05 18:43 UTC lack it.
   */
  saturationCoreBusy?: number[];
  rates: RateRun[];
  streams?: StreamWave;
  /** Of the later streams calls' measured waves (RoundPlan.laterStreams), the one with the worst TTFB p99. */
  laterStreams?: StreamWave;
  /** Peak while the later calls' measured streams were open. */
  atLaterStreams?: Memory;
  logging?: LoggingCheck;
  /** Things that went wrong mid-turn (the gateway exited, a phase threw). */
  failures: string[];
  durationS: number;
}

function memory(sys: RunningSystem, env: Environment): Memory {
  const split = sys.gateway ? rssSplit(placeTree(env.pinning, sys.gateway.pid, sys.childRole, false)) : { gatewayBytes: 0, storeBytes: 0 };
  const helpers: Record<string, number> = {};
  for (const h of sys.helpers) helpers[h.role] = rssBytes(h.process.pid);
  return { ...split, helpers };
}

const peak = (a: Memory, b: Memory): Memory => ({
  gatewayBytes: Math.max(a.gatewayBytes, b.gatewayBytes),
  storeBytes: Math.max(a.storeBytes, b.storeBytes),
  helpers: Object.fromEntries(Object.keys({ ...a.helpers, ...b.helpers }).map((k) => [k, Math.max(a.helpers[k] ?? 0, b.helpers[k] ?? 0)])),
});

/**
 * Waits until the store holds at least `answered` rows and the count held still for one poll:
 * polls every 2 s (the SQL API allows 60 queries a minute), gives up after `timeoutMs` or when
 * the count stops moving for 10 s.
 */
export async function catchUp(logging: LoggingProbe, answered: number, timeoutMs: number): Promise<{ stored: number; waitedS: number }> {
  const t0 = performance.now();
  let stored = -1;
  let lastChange = t0;
  for (;;) {
    const now = await logging.rowsStored().catch(() => stored);
    // Reached, and unchanged since the last poll: rows of unanswered calls may still be arriving until then.
    const settled = now === stored && now >= answered;
    if (now !== stored) lastChange = performance.now();
    stored = now;
    const waited = performance.now() - t0;
    if (settled || waited > timeoutMs || performance.now() - lastChange > 10_000) return { stored, waitedS: waited / 1000 };
    await sleep(2000);
  }
}

export async function systemRound(
  name: SystemName, start: SystemStarter, env: Environment, plan: RoundPlan, round: number, position: number,
): Promise<SystemRound> {
  const t0 = performance.now();
  const turn: SystemRound = { system: name, round, position, label: name, placement: [], rates: [], failures: [], durationS: 0 };
  let sys: RunningSystem;
  try {
    sys = await start(env);
  } catch (err) {
    turn.skipped = `skipped: ${err instanceof Error ? err.message : String(err)}`.replaceAll('|', '/');
    env.log(`    ${name} ${turn.skipped}`);
    turn.durationS = (performance.now() - t0) / 1000;
    return turn;
  }
  turn.label = sys.label;
  turn.version = sys.version;
  let answered = 0;
  let unanswered = 0;
  const alive = () => {
    const exited = sys.gateway?.exited();
    if (exited) throw new Error(`the gateway ${exited}: ${sys.gateway?.tail(3)}`);
  };
  const repin = () => (sys.gateway ? placeTree(env.pinning, sys.gateway.pid, sys.childRole, true) : []);
  try {
    repin();
    const warm = await attack(sys.target, { rate: 0, workers: 8, durationS: plan.warmUpS });
    answered += warm.answered;
    unanswered += warm.requests - warm.answered;
    if (warm.ok === 0) throw new Error(`warm-up failed: ${warm.errorSamples[0] ?? JSON.stringify(warm.statusCodes)}`);
    // Processes a gateway starts lazily exist by now; they are pinned before any measurement.
    turn.placement = repin();
    if (sys.logging) await catchUp(sys.logging, answered, 30_000);
    await sleep(1000);
    turn.idle = memory(sys, env);
    env.log(`    ${name}: idle RSS gateway ${mib(turn.idle.gatewayBytes)}${turn.idle.storeBytes ? `, store ${mib(turn.idle.storeBytes)}` : ''}`);

    // Streams before the fixed rates: a rate the system cannot sustain leaves thousands of client
    // connections' memory behind for a while, and the streams' RSS would then be that run's.
    alive();
    repin();
    const beforeStreams = memory(sys, env);
    turn.beforeStreams = beforeStreams;
    // Only readings taken while a measured wave is open (the first when it opens), per call.
    const waves = async (label: string) => {
      let atWave: Memory | undefined;
      const s = await streams(sys.target, plan.streams, { whileOpen: () => (atWave = atWave ? peak(atWave, memory(sys, env)) : memory(sys, env)) });
      answered += s.warmUpAnswered + s.wave.answered;
      unanswered += 2 * plan.streams - s.warmUpAnswered - s.wave.answered;
      env.log(`    ${name}: ${plan.streams} streams (${label}) TTFB p50 ${s.wave.ttfbMs.p50.toFixed(1)} ms, p99 ${s.wave.ttfbMs.p99.toFixed(1)} ms, `
        + `${s.wave.errors} errors${s.wave.newConns ? `, ${s.wave.newConns} new connections` : ''}, RSS gateway ${mib(atWave?.gatewayBytes ?? NaN)} (${mib(beforeStreams.gatewayBytes)} before the first)`);
      return { wave: s.wave, atWave };
    };
    const first = await waves('the first wave after start');
    turn.streams = first.wave;
    turn.atStreams = first.atWave;
    const laterCalls = !plan.laterStreams ? 0 : first.wave.ttfbMs.p99 > SLOW_WAVE_MS ? 1 : plan.laterStreamCalls ?? 1;
    for (let call = 1; call <= laterCalls; call++) {
      const later = await waves(`later wave ${call} of ${laterCalls}`);
      if (!turn.laterStreams || later.wave.ttfbMs.p99 > turn.laterStreams.ttfbMs.p99) turn.laterStreams = later.wave;
      if (later.atWave) turn.atLaterStreams = turn.atLaterStreams ? peak(turn.atLaterStreams, later.atWave) : later.atWave;
    }
    if (sys.logging) await catchUp(sys.logging, answered, 60_000);

    alive();
    const coresBefore = coreTimes();
    turn.saturation = await attack(sys.target, { rate: 0, workers: plan.saturationWorkers, durationS: plan.saturationS });
    turn.saturationCoreBusy = coreBusyPercent(coresBefore, coreTimes());
    answered += turn.saturation.answered;
    unanswered += turn.saturation.requests - turn.saturation.answered;
    env.log(`    ${name}: saturation ${turn.saturation.throughput.toFixed(0)} req/s (${turn.saturation.ok}/${turn.saturation.requests} ok), `
      + `cores busy ${turn.saturationCoreBusy.map((p) => `${p.toFixed(0)} %`).join(' / ')}`);
    if (sys.logging) await catchUp(sys.logging, answered, 60_000);

    for (const rate of plan.rates) {
      alive();
      repin();
      // Far below the rate the run would only queue until timeouts; near it, overload is worth showing.
      if (turn.saturation.throughput < rate / 2) {
        turn.rates.push({ rate, skipped: `not run: saturation ${turn.saturation.throughput.toFixed(0)} req/s is under half of ${rate}/s` });
        continue;
      }
      const metricsUrl = sys.logging?.gatewayMetricsUrl;
      const ownBefore = metricsUrl ? await readOwnTime(metricsUrl) : undefined;
      const result = await attack(sys.target, { rate, durationS: plan.rateS });
      answered += result.answered;
      unanswered += result.requests - result.answered;
      const ownAfter = metricsUrl && ownBefore ? await readOwnTime(metricsUrl) : undefined;
      turn.rates.push({ rate, result, ownTime: ownBefore && ownAfter ? ownTimeBetween(ownBefore, ownAfter) : undefined });
      env.log(`    ${name}: ${rate}/s p50 ${(result.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(result.latencyUs.p99 / 1000).toFixed(2)} ms, `
        + `${result.ok}/${result.requests} ok${result.listenOverflows ? `, ${result.listenOverflows} listen overflows` : ''}`);
      if (sys.logging) await catchUp(sys.logging, answered, 60_000);
    }

    alive();
  } catch (err) {
    turn.failures.push(err instanceof Error ? err.message : String(err));
    env.log(`    ${name}: ${turn.failures.at(-1)}`);
  }
  if (sys.logging) {
    try {
      const { stored, waitedS } = await catchUp(sys.logging, answered, 90_000);
      turn.logging = {
        answered, unanswered, stored, missing: Math.max(0, answered - stored), extra: Math.max(0, stored - answered), catchUpS: waitedS,
        counters: await sys.logging.counters(),
      };
      env.log(`    ${name}: calls answered ${answered} (and ${unanswered} unanswered), rows stored ${stored}, after ${waitedS.toFixed(1)} s`);
    } catch (err) {
      turn.logging = { answered, unanswered, stored: NaN, missing: NaN, extra: NaN, catchUpS: NaN, counters: {}, error: err instanceof Error ? err.message : String(err) };
    }
  }
  await sys.stop();
  turn.durationS = (performance.now() - t0) / 1000;
  return turn;
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
