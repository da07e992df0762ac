/**
 * The gateway's own time per call, from Periscope's two histograms on /metrics: the request side
 * (`periscope_proxy_overhead_seconds`: arrival until the upstream attempts begin) and the relay
 * (`periscope_proxy_relay_overhead_seconds`: the part of the answer the client waits on reached
 * the gateway until it was written to the client, the event logged before it). Read before and
 * after a run, the difference is that run's calls. It leaves out what the client-side figures
 * include besides: the wait for the gateway's event loop, the kernel and the other core.
 * Histograms hold bucket bounds, so a percentile is the bound of the bucket it falls in
 * ("≤ 0.5 ms"), never interpolated.
 */
export const OWN_TIME_HISTOGRAMS = {
  request: 'periscope_proxy_overhead_seconds',
  relay: 'periscope_proxy_relay_overhead_seconds',
} as const;

export type OwnTimeSide = keyof typeof OWN_TIME_HISTOGRAMS;

/** Cumulative counts by upper bound (seconds), ascending, +Inf last. */
export type Buckets = Array<{ le: number; count: number }>;

export type OwnTimeBuckets = Record<OwnTimeSide, Buckets>;

export interface OwnTime {
  /** Observations in the run (request side). */
  calls: number;
  /** Upper bounds of the buckets holding each percentile, ms (Infinity past the last bound). */
  request: { p50LeMs: number; p99LeMs: number };
  relay: { p50LeMs: number; p99LeMs: number };
}

/** The buckets of an unlabelled histogram in a Prometheus text exposition; undefined when absent. */
export function parseHistogram(text: string, name: string): Buckets | undefined {
  const prefix = `${name}_bucket{le="`;
  const out: Buckets = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const end = line.indexOf('"}', prefix.length);
    if (end < 0) continue;
    const bound = line.slice(prefix.length, end);
    out.push({ le: bound === '+Inf' ? Infinity : Number(bound), count: Number(line.slice(end + 2).trim()) });
  }
  return out.length > 0 ? out.sort((a, b) => a.le - b.le) : undefined;
}

/** The bound of the bucket where quantile q of the observations between two reads falls; undefined when none. */
export function bucketQuantile(before: Buckets, after: Buckets, q: number): number | undefined {
  const diff = after.map((b) => ({ le: b.le, count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0) }));
  const total = diff.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = Math.ceil(q * total);
  return diff.find((b) => b.count >= rank)?.le;
}

/** Both histograms from one scrape; undefined when /metrics did not answer them (the run goes on without). */
export async function readOwnTime(metricsUrl: string): Promise<OwnTimeBuckets | undefined> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const text = await res.text().catch(() => '');
  const request = parseHistogram(text, OWN_TIME_HISTOGRAMS.request);
  const relay = parseHistogram(text, OWN_TIME_HISTOGRAMS.relay);
  return request && relay ? { request, relay } : undefined;
}

export function ownTimeBetween(before: OwnTimeBuckets, after: OwnTimeBuckets): OwnTime | undefined {
  const side = (s: OwnTimeSide) => {
    const p50 = bucketQuantile(before[s], after[s], 0.5);
    const p99 = bucketQuantile(before[s], after[s], 0.99);
    return p50 === undefined || p99 === undefined ? undefined : { p50LeMs: p50 * 1000, p99LeMs: p99 * 1000 };
  };
  const request = side('request');
  const relay = side('relay');
  if (!request || !relay) return undefined;
  return { calls: (after.request.at(-1)?.count ?? 0) - (before.request.at(-1)?.count ?? 0), request, relay };
}
