import { describe, expect, it } from 'vitest';
import { formatCompact, formatCost, formatDuration, formatPercent, formatRelativeTime, formatTokens, relativeChange } from './format.ts';

describe('formatCost', () => {
  it.each([
    [0, '$0'],
    [0.0123, '$0.0123'],
    [0.012, '$0.012'],
    [0.00036, '$0.00036'],
    [0.000001234, '$0.0000012'],
    [1.5, '$1.50'],
    [12.345, '$12.35'],
    [1234, '$1.2k'],
    [2_500_000, '$2.5M'],
    [null, '—'],
  ])('%s → %s', (v, s) => expect(formatCost(v)).toBe(s));
});

describe('formatTokens / formatCompact', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1k'],
    [12_345, '12.3k'],
    [4_500_000, '4.5M'],
    [999_960, '1M'],
    [123_456_789, '123M'],
    [2_000_000_000, '2B'],
  ])('%s → %s', (v, s) => expect(formatTokens(v)).toBe(s));
  it('keeps one decimal below 100', () => expect(formatCompact(12.34)).toBe('12.3'));
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [1200, '1.2 s'],
    [1234, '1.23 s'],
    [45_000, '45 s'],
    [184_000, '3m 4s'],
    [7_500_000, '2h 5m'],
    [200_000_000, '2d 7h'],
    [null, '—'],
  ])('%s → %s', (v, s) => expect(formatDuration(v)).toBe(s));
});

describe('formatPercent', () => {
  it('formats ratios', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.00001)).toBe('<0.1%');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('formatRelativeTime', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('speaks the UI language', () => {
    expect(formatRelativeTime(now - 5 * 60_000, 'en', now)).toBe('5 minutes ago');
    expect(formatRelativeTime(now - 3 * 3600_000, 'en', now)).toBe('3 hours ago');
    expect(formatRelativeTime(now - 5 * 60_000, 'zh', now)).toBe('5分钟前');
    expect(formatRelativeTime('garbage', 'en', now)).toBe('—');
  });
});

describe('relativeChange', () => {
  it('is the signed relative change, or null without a base', () => {
    expect(relativeChange(120, 100)).toBeCloseTo(0.2);
    expect(relativeChange(80, 100)).toBeCloseTo(-0.2);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(5, 0)).toBeNull();
    expect(relativeChange(null, 3)).toBeNull();
  });
});
