import { describe, expect, it } from 'vitest';
import { LoginSessions, SESSION_MAX_AGE_S } from './login-sessions.ts';

describe('LoginSessions', () => {
  it('accepts the ids it issued until they expire or are deleted', () => {
    let now = 1_000_000;
    const sessions = new LoginSessions(() => now);
    const id = sessions.create();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.isValid(id)).toBe(true);
    expect(sessions.isValid(`${id}x`)).toBe(false);
    expect(sessions.isValid(undefined)).toBe(false);

    const other = sessions.create();
    sessions.delete(other);
    expect(sessions.isValid(other)).toBe(false);

    now += SESSION_MAX_AGE_S * 1000;
    expect(sessions.isValid(id)).toBe(false);
    expect(sessions.size).toBe(0);
  });

  it('keeps only a hash of each id', () => {
    const sessions = new LoginSessions();
    const id = sessions.create();
    expect(JSON.stringify([...(sessions as unknown as { expiries: Map<string, number> }).expiries.keys()])).not.toContain(id);
  });

  it('drops expired sessions when creating new ones', () => {
    let now = 0;
    const sessions = new LoginSessions(() => now);
    sessions.create();
    sessions.create();
    now = SESSION_MAX_AGE_S * 1000 + 1;
    sessions.create();
    expect(sessions.size).toBe(1);
  });
});
