import { INTERVALS, type IntervalName, type TimeRange } from '../analytics.ts';
import { invalid } from './validate.ts';

/** `auto` aims for a chart of 30-120 points: the smallest interval giving at most this many. */
export const AUTO_MAX_BUCKETS = 120;
/** An explicit interval may give more, up to this (a minute over a day is 1,440). */
export const MAX_BUCKETS = 2000;

export function intervalMs(range: TimeRange, interval: IntervalName | 'auto' = 'auto'): number {
  const span = range.to - range.from;
  if (interval === 'auto') {
    const widths = Object.values(INTERVALS);
    return widths.find((ms) => Math.ceil(span / ms) <= AUTO_MAX_BUCKETS) ?? widths[widths.length - 1]!;
  }
  if (!Object.hasOwn(INTERVALS, interval)) throw invalid(`interval must be auto or one of ${Object.keys(INTERVALS).join(', ')}`);
  const ms = INTERVALS[interval];
  if (bucketStarts(range, ms).length > MAX_BUCKETS) {
    throw invalid(`interval ${interval} gives more than ${MAX_BUCKETS} points over this range; choose a larger one`);
  }
  return ms;
}

/** Starts of the buckets touching [from, to), aligned to multiples of the width since the epoch (UTC). */
export function bucketStarts(range: TimeRange, ms: number): number[] {
  const starts: number[] = [];
  for (let t = Math.floor(range.from / ms) * ms; t < range.to && starts.length <= MAX_BUCKETS; t += ms) starts.push(t);
  return starts;
}
