import { describe, expect, it } from 'vitest';
import { isoOf, toDateTime64 } from './datetime.ts';

describe('DateTime64 conversions', () => {
  it('writes UTC text with milliseconds', () => {
    expect(toDateTime64(Date.UTC(2026, 10, 25, 13, 50, 53, 7))).toBe('2026-11-25 13:50:53.007');
    expect(toDateTime64(0)).toBe('1970-01-01 00:00:00.000');
  });

  it('reads epoch ms given as a number or as a quoted 64-bit integer', () => {
    expect(isoOf(1_795_614_653_007)).toBe('2026-11-25T13:50:53.007Z');
    expect(isoOf('1795614653007')).toBe('2026-11-25T13:50:53.007Z');
  });
});
