import { Counter, type Metric, type Registry } from 'prom-client';

/**
 * The series every proxied call touches, counted without prom-client's per-call work: its inc()
 * and observe() validate and hash a label object on each call (the gateway's five per call
 * took 3.2 µs in a hot loop and 6-9 µs of a running gateway's profile at saturation,
 * docs/benchmarks.md "Metrics on the call path"). Here a call adds to a plain number; /metrics
 * shows the same text as prom-client's own counter and histogram would, fractional sums (cost)
 * to within rounding (call-metrics.test.ts compares them on generated input).
 *
 * A metric never throws on the call path (a call's event is already spooled when its usage is
 * counted): a count /metrics could not show (negative, not finite, or one that would take a total
 * past the largest double) is left out, where prom-client would throw at the call, or show NaN,
 * or throw at every scrape after a total overflowed.
 */

/** One label combination's running count; keep it and `add` to it. */
export interface Tally {
  add(n?: number): void;
}

interface Pending extends Tally {
  readonly labels: Record<string, string>;
  value: number;
}

/**
 * A labelled prom-client Counter whose calls are tallied here and handed over when the registry
 * is read (the counter's collect hook), one inc per label combination.
 */
export class TalliedCounter<L extends string> {
  readonly #counter: Counter<L>;
  readonly #labelNames: readonly L[];
  readonly #series = new Map<string, Pending>();

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    this.#labelNames = config.labelNames;
    const counter = new Counter<L>(Object.assign({}, config, { collect: () => this.#flush() }));
    // A registry's resetMetrics() reaches the counter only: what was tallied since the last scrape goes too.
    const reset = counter.reset.bind(counter);
    counter.reset = () => {
      for (const s of this.#series.values()) s.value = 0;
      reset();
    };
    this.#counter = counter;
  }

  /** The tally of these label values (every label named): hold it where the combination repeats. */
  series(labels: Record<L, string>): Tally {
    let key = '';
    for (const name of this.#labelNames) key += `${labels[name]}\u0000`;
    let series = this.#series.get(key);
    if (!series) {
      const pending: Pending = {
        labels: { ...labels },
        value: 0,
        add: (n = 1) => {
          const total = pending.value + n;
          if (n >= 0 && Number.isFinite(total)) pending.value = total;
        },
      };
      series = pending;
      this.#series.set(key, series);
    }
    return series;
  }

  inc(labels: Record<L, string>, n = 1): void {
    this.series(labels).add(n);
  }

  #flush(): void {
    for (const s of this.#series.values()) {
      if (s.value === 0) continue;
      const value = s.value;
      s.value = 0;
      this.#counter.inc(s.labels as Partial<Record<L, string>>, value);
    }
  }
}

type HistogramValue = { labels: Record<string, string | number>; value: number; metricName: string; exemplar?: null };

/**
 * An unlabelled histogram in prom-client's export format (cumulative `_bucket` lines with `le`,
 * `+Inf`, `_sum`, `_count`), registered as a metric of its own: an observation finds its bucket
 * and adds, nothing else.
 */
export class CallHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  #counts: number[];
  #sum = 0;
  #count = 0;
  /** As prom-client's: after a reset, no lines until the next observation. */
  #cleared = false;
  readonly name: string;
  readonly help: string;

  constructor(config: { name: string; help: string; buckets: readonly number[]; registers: Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
    this.#counts = this.#bounds.map(() => 0);
    // prom-client's registry takes any object of its metric shape (name, help, type, get, reset).
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    this.#cleared = false;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        this.#counts[i]! += 1;
        break;
      }
    }
    this.#sum += seconds;
    this.#count += 1;
  }

  get() {
    const metric = { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator };
    if (this.#cleared) return Promise.resolve(Object.assign(metric, { values: [] }));
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    const values: HistogramValue[] = this.#bounds.map((le, i) => {
      cumulative += this.#counts[i]!;
      return { labels: { le }, value: cumulative, metricName: bucket, exemplar: null };
    });
    values.push(
      { labels: { le: '+Inf' }, value: this.#count, metricName: bucket, exemplar: null },
      { labels: {}, value: this.#sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.#count, metricName: `${this.name}_count` },
    );
    return Promise.resolve(Object.assign(metric, { values }));
  }

  reset(): void {
    this.#counts = this.#bounds.map(() => 0);
    this.#sum = 0;
    this.#count = 0;
    this.#cleared = true;
  }
}
