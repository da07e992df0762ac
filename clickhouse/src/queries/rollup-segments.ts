/** Where one part of a time range is read from. */
export type SegmentSource = 'requests' | 'requests_rollup_1m' | 'requests_rollup_1h';

export interface Segment {
  source: SegmentSource;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

export interface RollupLevel {
  source: Exclude<SegmentSource, 'requests'>;
  /** Bucket width of the rollup. */
  ms: number;
}

export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { source: 'requests_rollup_1h', ms: 3_600_000 },
  { source: 'requests_rollup_1m', ms: 60_000 },
];

/**
 * Splits [from, to) into pieces that each read the coarsest table covering them exactly:
 * whole hours from the hourly rollup, the whole minutes around them from the minute rollup,
 * and the sub-minute edges from the raw table. So any range, e.g. "the last 24 hours" ending
 * at this millisecond, is answered exactly while nearly every row comes pre-aggregated.
 * `levels` is coarsest first; a level is skipped where it covers no whole bucket.
 */
export function planSegments(from: number, to: number, levels: readonly RollupLevel[] = ROLLUP_LEVELS): Segment[] {
  if (from >= to) return [];
  const [level, ...finer] = levels;
  if (!level) return [{ source: 'requests', from, to }];
  const start = Math.ceil(from / level.ms) * level.ms;
  const end = Math.floor(to / level.ms) * level.ms;
  if (start >= end) return planSegments(from, to, finer);
  return [...planSegments(from, start, finer), { source: level.source, from: start, to: end }, ...planSegments(end, to, finer)];
}

/** Levels whose buckets nest in buckets of `bucketMs`, so no rollup row straddles two buckets. */
export function levelsFor(bucketMs: number): RollupLevel[] {
  return ROLLUP_LEVELS.filter((level) => bucketMs % level.ms === 0);
}
