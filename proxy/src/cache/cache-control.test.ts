import { describe, expect, it } from 'vitest';
import { cacheTtlMs, parseCacheControl } from './cache-control.ts';

describe('parseCacheControl', () => {
  it('reads no-store, no-cache and max-age, in any case and order', () => {
    expect(parseCacheControl('No-Cache, max-age=60')).toEqual({ noStore: false, noCache: true, maxAgeSeconds: 60 });
    expect(parseCacheControl('no-store')).toEqual({ noStore: true, noCache: false, maxAgeSeconds: undefined });
    expect(parseCacheControl('max-age="3600"')).toMatchObject({ maxAgeSeconds: 3600 });
  });

  it('ignores what it does not understand', () => {
    expect(parseCacheControl(undefined)).toEqual({ noStore: false, noCache: false, maxAgeSeconds: undefined });
    expect(parseCacheControl('max-age=-5, max-age=abc, private, s-maxage=9')).toEqual({ noStore: false, noCache: false, maxAgeSeconds: undefined });
  });
});

describe('cacheTtlMs', () => {
  const DAY = 86_400;
  it('prefers the request, then the model, then the default, capped at the maximum', () => {
    expect(cacheTtlMs(60, 3600, 7 * DAY, 365 * DAY)).toBe(60_000);
    expect(cacheTtlMs(undefined, 3600, 7 * DAY, 365 * DAY)).toBe(3_600_000);
    expect(cacheTtlMs(undefined, undefined, 7 * DAY, 365 * DAY)).toBe(7 * DAY * 1000);
    expect(cacheTtlMs(400 * DAY, undefined, 7 * DAY, 365 * DAY)).toBe(365 * DAY * 1000);
  });
});
