import { describe, expect, it } from 'vitest';
import { CronError, lastRun, nextRun, parseCron } from './cron.ts';

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, after: string) => {
  const t = nextRun(parseCron(expr), at(after));
  return t === null ? null : new Date(t).toISOString();
};

describe('cron', () => {
  it('finds the next minute of common schedules, in UTC', () => {
    expect(next('* * * * *', '2026-03-01T10:00:30Z')).toBe('2026-03-01T10:01:00.000Z');
    expect(next('*/15 * * * *', '2026-03-01T10:01:00Z')).toBe('2026-03-01T10:15:00.000Z');
    expect(next('0 8 * * 1', '2026-03-01T10:00:00Z')).toBe('2026-03-02T08:00:00.000Z'); // a Monday
    expect(next('0 8 * * mon-fri', '2026-03-06T09:00:00Z')).toBe('2026-03-09T08:00:00.000Z'); // Friday → Monday
    expect(next('30 6 1 * *', '2026-03-01T07:00:00Z')).toBe('2026-04-01T06:30:00.000Z');
    expect(next('0 0 1 jan *', '2026-03-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 12 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(next('0 0 * * 7', '2026-03-02T00:00:00Z')).toBe('2026-03-08T00:00:00.000Z'); // 7 is Sunday
    expect(next('0-10/5,30 * * * *', '2026-03-01T10:06:00Z')).toBe('2026-03-01T10:10:00.000Z');
  });

  it('matches either day field when both are restricted (Vixie cron)', () => {
    // The 13th, or any Friday.
    expect(next('0 0 13 * 5', '2026-03-01T00:00:00Z')).toBe('2026-03-06T00:00:00.000Z');
    expect(next('0 0 13 * 5', '2026-03-12T00:00:00Z')).toBe('2026-03-13T00:00:00.000Z');
  });

  it('finds the last scheduled minute within a look-back', () => {
    const s = parseCron('0 * * * *');
    expect(lastRun(s, at('2026-03-01T10:59:59Z'), 3_600_000)).toBe(at('2026-03-01T10:00:00Z'));
    expect(lastRun(s, at('2026-03-01T10:00:00Z'), 60_000)).toBe(at('2026-03-01T10:00:00Z'));
    expect(lastRun(s, at('2026-03-01T10:30:00Z'), 60_000)).toBeNull();
  });

  it.each(['* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '5-1 * * * *', '*/0 * * * *', 'x * * * *', '* * * * 8'])(
    'refuses %j with a reason',
    (expr) => {
      expect(() => parseCron(expr)).toThrow(CronError);
    },
  );

  it('says when a schedule never runs', () => {
    expect(nextRun(parseCron('0 0 31 2 *'), at('2026-01-01T00:00:00Z'))).toBeNull();
  });
});
