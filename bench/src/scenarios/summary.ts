/**
 * Medians over rounds. "Added" latency is a system's percentile minus direct-to-mock's at the
 * same rate in the same round, and the median is taken over those per-round differences.
 */
import type { SystemName } from '../systems/system.ts';
import type { VegetaResult } from '../vegeta.ts';
import type { StreamWave } from './streams.ts';
import type { Memory, SystemRound } from './system-round.ts';

export interface RateSummary {
  rate: number;
  /** Rounds in which this rate ran for the system. */
  rounds: number;
  /** Median absolute percentiles, ms. */
  p50Ms: number;
  p99Ms: number;
  /** Median of (system − direct) per round, ms. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** In most rounds the system did not keep up: errors, fell behind the rate, or p99 over a second. */
  overloaded: boolean;
  /** Why it did not run (every round skipped it). */
  notRun?: string;
}

export interface SystemSummary {
  system: SystemName;
  label: string;
  version?: string;
  measuredRounds: number;
  skipped?: string;
  failures: string[];
  saturationRps: number;
  /** Median busy share of each core during the saturation runs, in percent (empty for results without it). */
  saturationCoreBusy: number[];
  rates: RateSummary[];
  /** The first measured wave of streams after the system's start. */
  ttfb: TtfbSummary;
  /** A later wave (RoundPlan.laterStreams); undefined for results without one. */
  laterTtfb?: TtfbSummary;
  idle: Memory;
  /** While the first measured wave was open (results from 2026-12-06 08:24 UTC: both waves). */
  atStreams: Memory;
  /** While the later waves were open; undefined for results that did not record it apart. */
  atLaterStreams?: Memory;
  beforeStreams: Memory;
  logging?: { answered: number; unanswered: number; stored: number; missing: number; extra: number; perRound: number[] };
}

export interface TtfbSummary { p50Ms: number; p99Ms: number; addedP50Ms: number; addedP99Ms: number; errors: number; streams: number }

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * One system's saturation as a share of another's, round by round (both measured in the round,
 * one after the other), in percent, and their median: like "added" latency, each round's figure
 * is taken against a system of the same round, so a host whose speed moves between rounds moves
 * both. Rounds where either was not measured are left out.
 */
export function saturationShares(turns: readonly SystemRound[], system: SystemName, of: SystemName): { perRound: number[]; median: number } {
  const rate = (name: SystemName, round: number) => turns.find((t) => t.system === name && t.round === round && !t.skipped)?.saturation?.throughput;
  const rounds = [...new Set(turns.map((t) => t.round))].sort((a, b) => a - b);
  const perRound = rounds.flatMap((round) => {
    const a = rate(system, round);
    const b = rate(of, round);
    return a !== undefined && b !== undefined && b > 0 ? [(a / b) * 100] : [];
  });
  return { perRound, median: median(perRound) };
}

/** Did not keep up: under 99 % successful, under 90 % of the rate delivered, or a p99 over 1 s. */
export function overloaded(r: VegetaResult): boolean {
  return r.ok < 0.99 * r.requests || (r.offeredRate !== undefined && r.throughput < 0.9 * r.offeredRate) || r.latencyUs.p99 > 1e6;
}

const medianPerCore = (runs: number[][]): number[] =>
  Array.from({ length: Math.max(0, ...runs.map((r) => r.length)) }, (_, core) => median(runs.map((r) => r[core] ?? NaN)));

const medianMemory = (ms: Memory[]): Memory => ({
  gatewayBytes: median(ms.map((m) => m.gatewayBytes)),
  storeBytes: median(ms.map((m) => m.storeBytes)),
  helpers: Object.fromEntries([...new Set(ms.flatMap((m) => Object.keys(m.helpers)))].map((k) => [k, median(ms.map((m) => m.helpers[k] ?? NaN))])),
});

export function summarize(turns: SystemRound[], rates: number[]): SystemSummary[] {
  const names = [...new Set(turns.map((t) => t.system))];
  const directOf = (round: number) => turns.find((t) => t.system === 'direct' && t.round === round);
  return names.map((system) => {
    const mine = turns.filter((t) => t.system === system);
    const measured = mine.filter((t) => !t.skipped && t.saturation);
    const rateSummaries = rates.map((rate): RateSummary => {
      const runs = measured.flatMap((t) => {
        const r = t.rates.find((x) => x.rate === rate)?.result;
        const d = directOf(t.round)?.rates.find((x) => x.rate === rate)?.result;
        return r ? [{ r, d }] : [];
      });
      const notRun = runs.length === 0 ? measured.flatMap((t) => t.rates.filter((x) => x.rate === rate && x.skipped).map((x) => x.skipped!))[0] ?? 'not run' : undefined;
      const added = (pick: (v: VegetaResult) => number) => median(runs.map(({ r, d }) => (d ? (pick(r) - pick(d)) / 1000 : NaN)));
      return {
        rate, rounds: runs.length, notRun,
        p50Ms: median(runs.map(({ r }) => r.latencyUs.p50 / 1000)),
        p99Ms: median(runs.map(({ r }) => r.latencyUs.p99 / 1000)),
        addedP50Ms: added((v) => v.latencyUs.p50),
        addedP99Ms: added((v) => v.latencyUs.p99),
        overloaded: runs.filter(({ r }) => overloaded(r)).length * 2 > runs.length,
      };
    });
    const ttfbOf = (wave: (t: SystemRound) => StreamWave | undefined): TtfbSummary | undefined => {
      const streamed = measured.filter((t) => wave(t));
      if (streamed.length === 0) return undefined;
      const added = (pick: 'p50' | 'p99') => median(streamed.map((t) => {
        const d = directOf(t.round);
        const direct = d ? wave(d) : undefined;
        return direct ? wave(t)!.ttfbMs[pick] - direct.ttfbMs[pick] : NaN;
      }));
      return {
        p50Ms: median(streamed.map((t) => wave(t)!.ttfbMs.p50)),
        p99Ms: median(streamed.map((t) => wave(t)!.ttfbMs.p99)),
        addedP50Ms: added('p50'),
        addedP99Ms: added('p99'),
        errors: streamed.reduce((n, t) => n + wave(t)!.errors, 0),
        streams: streamed.reduce((n, t) => n + wave(t)!.streams, 0),
      };
    };
    const logged = mine.filter((t) => t.logging && Number.isFinite(t.logging.stored));
    return {
      system,
      label: mine.find((t) => !t.skipped)?.label ?? system,
      version: mine.find((t) => t.version)?.version,
      measuredRounds: measured.length,
      skipped: measured.length === 0 ? mine.find((t) => t.skipped)?.skipped ?? mine.flatMap((t) => t.failures)[0] : undefined,
      failures: mine.flatMap((t) => t.failures.map((f) => `round ${t.round}: ${f}`)),
      saturationRps: median(measured.map((t) => t.saturation!.throughput)),
      saturationCoreBusy: medianPerCore(measured.flatMap((t) => (t.saturationCoreBusy ? [t.saturationCoreBusy] : []))),
      rates: rateSummaries,
      ttfb: ttfbOf((t) => t.streams) ?? { p50Ms: NaN, p99Ms: NaN, addedP50Ms: NaN, addedP99Ms: NaN, errors: 0, streams: 0 },
      laterTtfb: ttfbOf((t) => t.laterStreams),
      idle: medianMemory(measured.flatMap((t) => (t.idle ? [t.idle] : []))),
      atStreams: medianMemory(measured.flatMap((t) => (t.atStreams ? [t.atStreams] : []))),
      atLaterStreams: measured.some((t) => t.atLaterStreams) ? medianMemory(measured.flatMap((t) => (t.atLaterStreams ? [t.atLaterStreams] : []))) : undefined,
      beforeStreams: medianMemory(measured.flatMap((t) => (t.beforeStreams ? [t.beforeStreams] : []))),
      logging: logged.length === 0 ? undefined : {
        answered: logged.reduce((n, t) => n + t.logging!.answered, 0),
        // Results from before `unanswered` and `extra` were recorded read as 0 (and missing as the signed gap).
        unanswered: logged.reduce((n, t) => n + (t.logging!.unanswered ?? 0), 0),
        stored: logged.reduce((n, t) => n + t.logging!.stored, 0),
        missing: logged.reduce((n, t) => n + Math.max(0, t.logging!.missing), 0),
        extra: logged.reduce((n, t) => n + (t.logging!.extra ?? Math.max(0, t.logging!.stored - t.logging!.answered)), 0),
        perRound: logged.map((t) => Math.max(0, t.logging!.missing)),
      },
    };
  });
}
