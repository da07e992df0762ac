import { describe, expect, it } from 'vitest';
import { AuthFailureGuard } from './auth-failures.ts';

describe('AuthFailureGuard', () => {
  it('refuses an address after its failures reach the limit, until the minute ends, and only that address', () => {
    let now = 60_000 * 100 + 15_000;
    const guard = new AuthFailureGuard(3, () => now);
    for (let i = 0; i < 3; i++) {
      expect(guard.blockedFor('10.0.0.1')).toBe(0);
      guard.failed('10.0.0.1');
    }
    expect(guard.blockedFor('10.0.0.1')).toBe(45);
    expect(guard.blockedFor('10.0.0.2')).toBe(0);
    now += 45_000;
    expect(guard.blockedFor('10.0.0.1')).toBe(0);
  });
});
