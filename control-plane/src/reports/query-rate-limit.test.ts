import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { QueryRateLimit } from './query-rate-limit.ts';

describe('QueryRateLimit', () => {
  it('allows a minute’s worth at once, then refills continuously, per caller', () => {
    let now = 0;
    const limit = new QueryRateLimit(() => 6, () => now);
    for (let i = 0; i < 6; i += 1) limit.take('ann');
    const err = (() => {
      try {
        limit.take('ann');
      } catch (e) {
        return e as ApiError;
      }
      return null;
    })();
    expect(err?.status).toBe(429);
    expect(err?.message).toMatch(/at most 6 per minute; retry in 10 s/);
    limit.take('bob');
    now = 10_000;
    limit.take('ann');
    expect(() => limit.take('ann')).toThrow(ApiError);
  });
});
