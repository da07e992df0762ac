/**
 * Log-bucketed latency histogram (HDR-style): constant memory however long a run is, and every
 * percentile within ~1 % of the true value, which is far below run-to-run noise.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Values are recorded in microseconds; bucket 0 holds everything up to 1 µs. */
const BUCKETS = Math.ceil(Math.log(600e6) / LOG_GROWTH); // up to 10 minutes

export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS + 1);
  private total = 0;
  private sum = 0;
  private minUs = Infinity;
  private maxUs = 0;

  /** Records one value in milliseconds. */
  record(ms: number): void {
    const us = Math.max(0, ms * 1000);
    const idx = us <= 1 ? 0 : Math.min(BUCKETS, Math.ceil(Math.log(us) / LOG_GROWTH));
    this.counts[idx]! += 1;
    this.total += 1;
    this.sum += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  get count(): number {
    return this.total;
  }

  /** Value in ms at quantile q (0..1): the upper edge of the bucket, clamped to the true max. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxUs, i === 0 ? 1 : GROWTH ** i) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary(): Percentiles {
    if (this.total === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
    return {
      count: this.total,
      min: this.minUs / 1000,
      mean: this.sum / this.total / 1000,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.maxUs / 1000,
    };
  }
}
