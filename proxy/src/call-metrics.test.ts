import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { CallHistogram, TalliedCounter } from './call-metrics.ts';
import { seededRandom } from './seeded-random.ts';

const SEED = 0xca11;
const BUCKETS = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
const LABELS = ['provider', 'endpoint', 'status_class'] as const;
type Label = (typeof LABELS)[number];

/** Two registries, one with prom-client's own metrics, one with the tallied ones, fed the same. */
function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const config = { name: 'calls_total', help: 'Calls, with a \\ and a "quote".', labelNames: LABELS };
  const h = (name: string) => ({ name, help: `${name} help`, buckets: BUCKETS });
  return {
    theirs,
    ours,
    counters: [new Counter<Label>({ ...config, registers: [theirs] }), new TalliedCounter<Label>({ ...config, registers: [ours] })] as const,
    histograms: [new Histogram({ ...h('overhead_seconds'), registers: [theirs] }), new CallHistogram({ ...h('overhead_seconds'), registers: [ours] })] as const,
  };
}

describe('call metrics', () => {
  it('export what prom-client exports for the same calls, scrape after scrape (generated, fixed seed)', async () => {
    const random = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const { theirs, ours, counters, histograms } = pair();
    // Nothing observed yet: the unlabelled histogram already shows its zero buckets.
    expect(await ours.metrics()).toBe(await theirs.metrics());
    let scrapes = 0;
    for (let i = 0; i < 20_000; i++) {
      const labels = { provider: pick(['openai', 'anthropic', 'a "quoted"\nname', 'ü']), endpoint: pick(['chat', 'messages', 'embeddings']), status_class: pick(['2xx', '4xx', '5xx']) };
      // Whole counts (calls, tokens) add up exactly either way; fractions (cost) are checked below.
      const n = random() < 0.8 ? 1 : Math.floor(random() * 5000);
      counters[0].inc(labels, n);
      counters[1].inc(labels, n);
      // Values on, between and beyond the bounds, zero included.
      const seconds = random() < 0.1 ? pick([0, ...BUCKETS, 0.2, 1.5]) : random() ** 4 * 0.08;
      histograms[0].observe(seconds);
      histograms[1].observe(seconds);
      if (random() < 0.002) {
        scrapes += 1;
        expect(await ours.metrics()).toBe(await theirs.metrics());
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
      }
    }
    expect(scrapes).toBeGreaterThan(10);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('adds fractional increments (cost in USD) to within rounding of adding them one by one', async () => {
    const random = seededRandom(SEED + 1);
    const { theirs, ours, counters } = pair();
    const labels = { provider: 'openai', endpoint: 'chat', status_class: '2xx' };
    for (let i = 0; i < 50_000; i++) {
      const usd = random() * 0.01;
      counters[0].inc(labels, usd);
      counters[1].inc(labels, usd);
      if (i % 9_999 === 0) await ours.metrics();
    }
    const total = async (r: Registry) => (await r.getMetricsAsJSON())[0]!.values[0]!.value;
    const [a, b] = [await total(theirs), await total(ours)];
    expect(b).toBeGreaterThan(200);
    expect(Math.abs(a - b) / a).toBeLessThan(1e-12);
  });

  it('hands a series tally over once: a second scrape without calls shows the same totals', async () => {
    const { theirs, ours, counters } = pair();
    const tally = counters[1].series({ provider: 'openai', endpoint: 'chat', status_class: '2xx' });
    tally.add(3);
    tally.add();
    counters[0].inc({ provider: 'openai', endpoint: 'chat', status_class: '2xx' }, 4);
    const first = await ours.metrics();
    expect(first).toContain('calls_total{provider="openai",endpoint="chat",status_class="2xx"} 4');
    expect(await ours.metrics()).toBe(first);
    expect(first).toBe(await theirs.metrics());
  });

  it('leaves out, without throwing, a count /metrics could not show (negative, not finite, a total past the largest double)', async () => {
    const { ours, counters, histograms } = pair();
    const labels = { provider: 'openai', endpoint: 'chat', status_class: '2xx' };
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => counters[1].inc(labels, bad)).not.toThrow();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) expect(() => histograms[1].observe(bad)).not.toThrow();
    expect(await ours.metrics()).not.toContain('calls_total{');
    expect(await ours.metrics()).toContain('overhead_seconds_count 0');
    // Two huge counts between scrapes: the second would overflow the tally and is left out.
    counters[1].inc(labels, 1e308);
    counters[1].inc(labels, 1e308);
    const text = await ours.metrics();
    expect(text).toContain('calls_total{provider="openai",endpoint="chat",status_class="2xx"} 1e+308');
    counters[1].inc(labels, 2);
    expect(await ours.metrics()).toContain('status_class="2xx"} 1e+308');
  });

  it('resets as prom-client does, counts not yet scraped included', async () => {
    const { theirs, ours, counters, histograms } = pair();
    const labels = { provider: 'openai', endpoint: 'chat', status_class: '2xx' };
    const both = (n: number, seconds: number) => {
      for (const c of counters) c.inc(labels, n);
      for (const h of histograms) h.observe(seconds);
    };
    both(3, 0.001);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    both(4, 0.02);
    theirs.resetMetrics();
    ours.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    both(5, 0.0003);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('status_class="2xx"} 5');
  });
});
