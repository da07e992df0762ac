import { describe, expect, it } from 'vitest';
import { bucketStarts, intervalMs } from './time-buckets.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 10, 25, 13, 7, 30);

describe('intervalMs', () => {
  it('picks the smallest interval with at most 120 buckets', () => {
    expect(intervalMs({ from: T - 15 * MIN, to: T })).toBe(MIN);
    expect(intervalMs({ from: T - 6 * HOUR, to: T })).toBe(5 * MIN);
    expect(intervalMs({ from: T - 30 * DAY, to: T })).toBe(6 * HOUR);
    expect(intervalMs({ from: T - 400 * DAY, to: T })).toBe(DAY);
  });

  it('takes a named interval unless it gives more than 2000 buckets', () => {
    expect(intervalMs({ from: T - DAY, to: T }, '1m')).toBe(MIN);
    expect(() => intervalMs({ from: T - 2 * DAY, to: T }, '1m')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => intervalMs({ from: T - DAY, to: T }, '7m' as '1m')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('bucketStarts', () => {
  it('aligns buckets to the epoch and covers a partial first and last bucket', () => {
    expect(bucketStarts({ from: T, to: T + 2 * HOUR }, HOUR)).toEqual([
      Date.UTC(2026, 10, 25, 13), Date.UTC(2026, 10, 25, 14), Date.UTC(2026, 10, 25, 15),
    ]);
    expect(bucketStarts({ from: Date.UTC(2026, 10, 25), to: Date.UTC(2026, 10, 26) }, DAY)).toEqual([Date.UTC(2026, 10, 25)]);
  });
});
