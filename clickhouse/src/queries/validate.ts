import { MAX_RANGE_DAYS, type TimeRange } from '../analytics.ts';
import { StoreError } from '../errors.ts';

/** Argument checks shared by the queries: a bad value is the caller's mistake (invalid_argument, 400). */
export function invalid(message: string): StoreError {
  return new StoreError('invalid_argument', message);
}

export function epochMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be epoch milliseconds`);
  return value;
}

export function integer(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalid(`${name} must be an integer from 0 to ${max}`);
  return value;
}

export function text(name: string, value: string): string {
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

/** 1..max, `fallback` when absent; out-of-range values are clamped, not refused. */
export function limitWithin(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isFinite(limit)) throw invalid('limit must be a number');
  return Math.min(max, Math.max(1, Math.trunc(limit)));
}

const MAX_RANGE_MS = MAX_RANGE_DAYS * 86_400_000;

/** Every aggregate is bounded: from < to, at most MAX_RANGE_DAYS apart. */
export function checkRange(range: TimeRange): TimeRange {
  const from = epochMs('from', range.from);
  const to = epochMs('to', range.to);
  if (from >= to) throw invalid('from must be before to');
  if (to - from > MAX_RANGE_MS) throw invalid(`the time range must not exceed ${MAX_RANGE_DAYS} days`);
  return { from, to };
}
