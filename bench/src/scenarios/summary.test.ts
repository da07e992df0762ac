import { describe, expect, it } from 'vitest';
import type { VegetaResult } from '../vegeta.ts';
import { median, overloaded, saturationShares, summarize } from './summary.ts';
import type { SystemRound } from './system-round.ts';

const run = (rate: number, p50Us: number, p99Us: number, o: Partial<VegetaResult> = {}): VegetaResult => ({
  mode: 'open', offeredRate: rate, durationS: 20, requests: rate * 20, answered: rate * 20, ok: rate * 20, throughput: rate,
  latencyUs: { mean: p50Us, p50: p50Us, p90: p50Us, p99: p99Us, max: p99Us }, statusCodes: { 200: rate * 20 }, errorSamples: [], listenOverflows: 0, ...o,
});

const memory = (gatewayBytes: number) => ({ gatewayBytes, storeBytes: 0, helpers: {} });

function turn(system: SystemRound['system'], round: number, saturation: number, at500: VegetaResult | undefined, ttfbP99: number): SystemRound {
  return {
    system, round, position: 0, label: system, placement: [], failures: [], durationS: 1,
    idle: memory(100e6 * round), atStreams: memory(200e6),
    saturation: { ...run(0, 1, 1), mode: 'closed', offeredRate: undefined, throughput: saturation },
    rates: [at500 ? { rate: 500, result: at500 } : { rate: 500, skipped: `not run: saturation ${saturation} req/s is under half of 500/s` }],
    streams: { streams: 1000, answered: 1000, ok: 1000, errors: 0, errorSamples: [], ttfbMs: { count: 1000, min: 1, mean: 1, p50: ttfbP99 / 2, p90: ttfbP99, p99: ttfbP99, max: ttfbP99 } },
  };
}

describe('summarize', () => {
  it('takes the median over rounds of each round\'s difference to direct', () => {
    const turns = [
      turn('direct', 1, 20_000, run(500, 400, 700), 100), turn('start', 1, 2000, run(500, 1400, 30_700), 700),
      turn('direct', 2, 19_000, run(500, 500, 2700), 300), turn('start', 2, 2400, run(500, 1000, 3700), 500),
      turn('direct', 3, 18_000, run(500, 300, 600), 100), turn('start', 3, 2300, run(500, 1300, 1600), 400),
    ];
    const start = summarize(turns, [500]).find((s) => s.system === 'start')!;
    expect(start.saturationRps).toBe(2300);
    // Per round: added p50 1.0 / 0.5 / 1.0 ms, added p99 30 / 1 / 1 ms.
    expect(start.rates[0]).toMatchObject({ rounds: 3, addedP50Ms: 1, addedP99Ms: 1, overloaded: false });
    expect(start.ttfb.addedP99Ms).toBe(300);
    expect(start.idle.gatewayBytes).toBe(200e6);
  });

  it('summarises a later wave of streams against direct\'s later wave, apart from the first', () => {
    const wave = (p99: number) => ({ streams: 1000, answered: 1000, ok: 1000, errors: 0, errorSamples: [], ttfbMs: { count: 1000, min: 1, mean: 1, p50: p99 / 2, p90: p99, p99, max: p99 } });
    const turns = [
      { ...turn('direct', 1, 20_000, run(500, 400, 700), 100), laterStreams: wave(80) }, { ...turn('proxy', 1, 6000, run(500, 900, 1700), 400), laterStreams: wave(110), atLaterStreams: memory(260e6) },
      { ...turn('direct', 2, 20_000, run(500, 400, 700), 140), laterStreams: wave(90) }, { ...turn('proxy', 2, 6000, run(500, 900, 1700), 300), laterStreams: wave(150), atLaterStreams: memory(280e6) },
      { ...turn('direct', 3, 20_000, run(500, 400, 700), 120), laterStreams: wave(70) }, { ...turn('proxy', 3, 6000, run(500, 900, 1700), 320), laterStreams: wave(90), atLaterStreams: memory(270e6) },
    ];
    const proxy = summarize(turns, [500]).find((s) => s.system === 'proxy')!;
    // First waves: added 300 / 160 / 200 ms; later waves: 30 / 60 / 20 ms.
    expect(proxy.ttfb.addedP99Ms).toBe(200);
    expect(proxy.laterTtfb).toMatchObject({ addedP99Ms: 30, addedP50Ms: 15, p99Ms: 110, streams: 3000 });
    // The first wave's memory and the later waves' apart.
    expect(proxy.atStreams.gatewayBytes).toBe(200e6);
    expect(proxy.atLaterStreams!.gatewayBytes).toBe(270e6);
    const firstOnly = summarize(turns.map(({ laterStreams: _, atLaterStreams: __, ...t }) => t), [500]).find((s) => s.system === 'proxy')!;
    expect(firstOnly.laterTtfb).toBeUndefined();
    expect(firstOnly.atLaterStreams).toBeUndefined();
  });

  it('takes each core\'s median busy share over the saturation runs that recorded it', () => {
    const turns = [
      { ...turn('proxy', 1, 6000, run(500, 900, 1700), 400), saturationCoreBusy: [80, 99] },
      { ...turn('proxy', 2, 6100, run(500, 900, 1700), 400), saturationCoreBusy: [90, 97] },
      { ...turn('proxy', 3, 6200, run(500, 900, 1700), 400), saturationCoreBusy: [85, 100] },
      turn('proxy', 4, 6300, run(500, 900, 1700), 400),
    ];
    expect(summarize(turns, [500])[0]!.saturationCoreBusy).toEqual([85, 99]);
    expect(summarize([turn('proxy', 1, 6000, run(500, 900, 1700), 400)], [500])[0]!.saturationCoreBusy).toEqual([]);
  });

  it('marks a rate that most rounds could not hold as overloaded, and one never run as not run', () => {
    const slow = run(500, 900_000, 3_900_000, { throughput: 380 });
    const turns = [
      turn('direct', 1, 20_000, run(500, 400, 700), 100), turn('portkey', 1, 749, slow, 1000), turn('litellm', 1, 62, undefined, 15_000),
      turn('direct', 2, 20_000, run(500, 400, 700), 100), turn('portkey', 2, 760, run(500, 2000, 9000), 1000), turn('litellm', 2, 60, undefined, 15_000),
      turn('direct', 3, 20_000, run(500, 400, 700), 100), turn('portkey', 3, 740, slow, 1000), turn('litellm', 3, 61, undefined, 15_000),
    ];
    const [, portkey, litellm] = summarize(turns, [500]);
    expect(portkey!.rates[0]!.overloaded).toBe(true);
    expect(litellm!.rates[0]).toMatchObject({ rounds: 0, notRun: 'not run: saturation 62 req/s is under half of 500/s' });
  });
});

describe('summarize: calls answered against rows stored', () => {
  it('adds up losses and rows of unanswered calls separately, so one cannot hide the other in a total', () => {
    const log = (answered: number, stored: number) => ({
      answered, unanswered: 50, stored, missing: Math.max(0, answered - stored), extra: Math.max(0, stored - answered), catchUpS: 1, counters: {},
    });
    const turns = [
      { ...turn('direct', 1, 20_000, run(500, 400, 700), 100) },
      { ...turn('start', 1, 2000, run(500, 900, 1700), 400), logging: log(1000, 1030) },
      { ...turn('direct', 2, 20_000, run(500, 400, 700), 100) },
      { ...turn('start', 2, 2000, run(500, 900, 1700), 400), logging: log(1000, 990) },
    ];
    expect(summarize(turns, [500]).find((s) => s.system === 'start')!.logging).toEqual({
      answered: 2000, unanswered: 100, stored: 2020, missing: 10, extra: 30, perRound: [0, 10],
    });
  });
});

describe('overloaded', () => {
  it('is errors, falling behind the rate, or a p99 over a second', () => {
    expect(overloaded(run(500, 500, 900))).toBe(false);
    expect(overloaded(run(500, 500, 900, { ok: 9800 }))).toBe(true);
    expect(overloaded(run(500, 500, 900, { throughput: 440 }))).toBe(true);
    expect(overloaded(run(500, 500, 1_200_000))).toBe(true);
  });
});

describe('median', () => {
  it('ignores values that are not finite', () => {
    expect(median([3, NaN, 1, 2])).toBe(2);
    expect(median([4, 1])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('shares one system\'s saturation of another\'s round by round, leaving out rounds either missed', () => {
    const turns = [
      turn('start', 1, 6836, undefined, 1), turn('proxy', 1, 9409, undefined, 1),
      turn('proxy', 2, 6784, undefined, 1), turn('start', 2, 7062, undefined, 1),
      turn('start', 3, 10_333, undefined, 1), turn('proxy', 3, 10_311, undefined, 1),
      { ...turn('start', 4, 1, undefined, 1), skipped: 'failed to start' }, turn('proxy', 4, 9000, undefined, 1),
    ];
    const shares = saturationShares(turns, 'start', 'proxy');
    expect(shares.perRound.map((v) => Math.round(v))).toEqual([73, 104, 100]);
    expect(Math.round(shares.median)).toBe(100);
    // The ratio of the medians (7,062 / 9,409) is what a host slower in one round than the others gives.
    const [start, proxy] = (['start', 'proxy'] as const).map((name) => summarize(turns.slice(0, 6), [500]).find((s) => s.system === name)!);
    expect(Math.round((start!.saturationRps / proxy!.saturationRps) * 100)).toBe(75);
  });
});
